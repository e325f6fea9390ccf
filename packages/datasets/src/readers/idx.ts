import { CorruptFileError } from '@hvcm/metrics';
import { CountMismatchError } from '../errors/count-mismatch-error';
import { createArrayDataset, type ArrayImageDataset } from './image-dataset';
import { readFileBytes } from './read-file-bytes';

/** Element types an IDX file can declare (third magic byte). */
export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX file: `dims` and the values, row-major. */
export interface IdxArray {
  readonly dataType: IdxDataType;
  readonly dims: readonly number[];
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPE_CODES: Record<number, { type: IdxDataType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

/**
 * Parses IDX bytes (LeCun's MNIST format: magic `00 00 <type> <ndim>`, `ndim` big-endian
 * uint32 sizes, then big-endian values). `path` only names the source in errors. Throws
 * `CorruptFileError` for a wrong magic number, a truncated file or trailing bytes.
 */
export function parseIdx(bytes: Uint8Array, path = '<buffer>'): IdxArray {
  if (bytes.length < 4) {
    throw new CorruptFileError(path, `expected an IDX header of at least 4 bytes, found ${bytes.length} bytes.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const typeCode = bytes[2] as number;
  const ndim = bytes[3] as number;
  const type = TYPE_CODES[typeCode];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || ndim === 0) {
    const magic = view.getUint32(0, false).toString(16).padStart(8, '0');
    throw new CorruptFileError(
      path,
      `wrong magic number 0x${magic}: expected 0x0000TTNN with type TT in {08, 09, 0b, 0c, 0d, 0e} and ` +
        'NN >= 1 dimensions (0x00000803 for IDX images, 0x00000801 for labels). Is this an IDX file?',
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new CorruptFileError(
      path,
      `truncated header: expected ${headerBytes} bytes for ${ndim} dimensions, found ${bytes.length}.`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i += 1) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated file' : 'unexpected trailing bytes';
    throw new CorruptFileError(
      path,
      `${what}: dimensions [${dims.join(', ')}] of ${type.type} need ${expected} bytes, found ${bytes.length}.`,
    );
  }
  const body = bytes.subarray(headerBytes);
  return { dataType: type.type, dims, data: decodeBigEndian(body, type.type, count) };
}

function decodeBigEndian(body: Uint8Array, type: IdxDataType, count: number): IdxArray['data'] {
  if (type === 'uint8') return body;
  if (type === 'int8') return new Int8Array(body.buffer, body.byteOffset, count);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (type) {
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(2 * i, false));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, false));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, false));
    default:
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, false));
  }
}

/** Reads and parses an IDX file, raw or gzipped (detected from the content, not the name). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readFileBytes(path), path);
}

/** IDX images: uint8 `[count, height, width, channels]` (channels 1 for 3-d files). */
export interface IdxImages {
  readonly images: Uint8Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Checks that a parsed IDX file holds uint8 images `[n, h, w]` or `[n, h, w, c]`. */
export function idxToImages(idx: IdxArray, path = '<buffer>'): IdxImages {
  if (idx.dataType !== 'uint8' || (idx.dims.length !== 3 && idx.dims.length !== 4)) {
    throw new CorruptFileError(
      path,
      `expected uint8 images with 3 dimensions [n, height, width] (or 4 with channels), found ` +
        `${idx.dataType} with dimensions [${idx.dims.join(', ')}]. Is this a labels file?`,
    );
  }
  const [count, height, width, channels = 1] = idx.dims as [number, number, number, number?];
  return { images: idx.data as Uint8Array, count, height, width, channels };
}

/** Checks that a parsed IDX file holds integer labels `[n]` and widens them to Int32Array. */
export function idxToLabels(idx: IdxArray, path = '<buffer>'): Int32Array {
  if (idx.dims.length !== 1 || idx.dataType === 'float32' || idx.dataType === 'float64') {
    throw new CorruptFileError(
      path,
      `expected integer labels with 1 dimension [n], found ${idx.dataType} with dimensions ` +
        `[${idx.dims.join(', ')}]. Is this an images file?`,
    );
  }
  return Int32Array.from(idx.data as ArrayLike<number>);
}

/** Reads an IDX images file (raw or .gz). */
export async function readIdxImages(path: string): Promise<IdxImages> {
  return idxToImages(await readIdxFile(path), path);
}

/** Reads an IDX labels file (raw or .gz) as Int32Array `[n]`. */
export async function readIdxLabels(path: string): Promise<Int32Array> {
  return idxToLabels(await readIdxFile(path), path);
}

/**
 * Reads a pair of IDX files (images + labels, raw or .gz) into an in-memory dataset.
 * Throws `CountMismatchError` when their sample counts differ.
 */
export async function loadIdxDataset(paths: {
  images: string;
  labels: string;
  classNames?: readonly string[];
}): Promise<ArrayImageDataset> {
  const [images, labels] = await Promise.all([readIdxImages(paths.images), readIdxLabels(paths.labels)]);
  if (images.count !== labels.length) {
    throw new CountMismatchError(paths.images, paths.labels, images.count, labels.length);
  }
  return createArrayDataset({
    images: images.images,
    labels,
    height: images.height,
    width: images.width,
    channels: images.channels,
    ...(paths.classNames ? { classNames: paths.classNames } : {}),
  });
}
