/**
 * A small reader for NumPy `.npy` files (format versions 1, 2 and 3): little-endian or single-byte
 * numeric dtypes (`<f4 <f8 <i1 <i2 <i4 <i8 |u1 <u2 <u4 |b1`), C order. Returns the values as a
 * Float64Array (every supported dtype fits exactly) plus the shape.
 */
export interface NpyArray {
  readonly shape: number[];
  readonly dtype: string;
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses a `.npy` byte buffer; `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${name}: not a .npy file (the magic string \\x93NUMPY is missing).`);
  }
  const major = bytes[6] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`${name}: cannot read the .npy header ${JSON.stringify(header)}.`);
  }
  if (fortran === 'True') throw new Error(`${name}: Fortran-order arrays are not supported; save with np.ascontiguousarray(x).`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLength;
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '|i1': [1, (o) => view.getInt8(o)],
    '<i2': [2, (o) => view.getInt16(o, true)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<i8': [8, (o) => Number(view.getBigInt64(o, true))],
    '|u1': [1, (o) => view.getUint8(o)],
    '<u2': [2, (o) => view.getUint16(o, true)],
    '<u4': [4, (o) => view.getUint32(o, true)],
    '|b1': [1, (o) => view.getUint8(o)],
  };
  const reader = readers[descr];
  if (!reader) throw new Error(`${name}: dtype ${descr} is not supported; save as float32, float64 or int32/int64.`);
  const [size, read] = reader;
  if (bytes.length < offset + count * size) {
    throw new Error(`${name}: truncated: shape [${shape.join(', ')}] of ${descr} needs ${count * size} bytes after the header, got ${bytes.length - offset}.`);
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(offset + i * size);
  return { shape, dtype: descr, data };
}

/** Writes a little-endian float32 (`<f4`) or int32 (`<i4`) `.npy` file image, format version 1. */
export function encodeNpy(values: ArrayLike<number>, shape: readonly number[], dtype: '<f4' | '<i4'): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Total header (magic 6 + version 2 + length 2 + text + newline) padded to a multiple of 64.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0; i < values.length; i++) {
    const o = 10 + header.length + i * 4;
    if (dtype === '<f4') view.setFloat32(o, values[i] ?? 0, true);
    else view.setInt32(o, values[i] ?? 0, true);
  }
  return out;
}
