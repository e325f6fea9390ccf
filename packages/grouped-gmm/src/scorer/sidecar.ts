import { crc32 } from 'node:zlib';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorruptFileError } from '@hvcm/metrics';

/** Magic bytes that open every sidecar. */
const MAGIC = 'HVCMBIN1';

/** Where one array lives in the sidecar. */
export interface SidecarArray {
  readonly dtype: 'float32' | 'float64';
  /** Byte offset from the start of the file (8-byte aligned). */
  readonly offset: number;
  /** Number of values. */
  readonly length: number;
}

/** The sidecar's table of contents, kept in the JSON. */
export interface SidecarIndex {
  readonly byteLength: number;
  /** CRC-32 of every byte after the magic. */
  readonly crc32: number;
  readonly arrays: Readonly<Record<string, SidecarArray>>;
}

/** Packs named float arrays, little-endian and 8-byte aligned, after an 8-byte magic. */
export function packSidecar(arrays: Record<string, Float32Array | Float64Array>): { bytes: Uint8Array; index: SidecarIndex } {
  const entries: Record<string, SidecarArray> = {};
  let offset = MAGIC.length;
  for (const [name, values] of Object.entries(arrays)) {
    entries[name] = { dtype: values instanceof Float64Array ? 'float64' : 'float32', offset, length: values.length };
    offset += Math.ceil(values.byteLength / 8) * 8;
  }
  const bytes = new Uint8Array(offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(bytes.buffer);
  for (const [name, values] of Object.entries(arrays)) {
    const entry = entries[name] as SidecarArray;
    if (values instanceof Float64Array) for (let i = 0; i < values.length; i++) view.setFloat64(entry.offset + 8 * i, values[i] ?? 0, true);
    else for (let i = 0; i < values.length; i++) view.setFloat32(entry.offset + 4 * i, values[i] ?? 0, true);
  }
  return { bytes, index: { byteLength: bytes.length, crc32: crc32(bytes.subarray(MAGIC.length)), arrays: entries } };
}

/** Reads one array back; `path` names the file in errors. */
export function unpackSidecarArray(bytes: Uint8Array, index: SidecarIndex, name: string, path: string): Float32Array | Float64Array {
  const entry = index.arrays[name];
  if (entry === undefined) throw new CorruptFileError(path, `the sidecar index has no array "${name}"; the file was written by another version or is damaged.`);
  const width = entry.dtype === 'float64' ? 8 : 4;
  if (entry.offset + entry.length * width > bytes.length) {
    throw new CorruptFileError(path, `array "${name}" needs bytes up to ${entry.offset + entry.length * width}, the sidecar has ${bytes.length}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = entry.dtype === 'float64' ? new Float64Array(entry.length) : new Float32Array(entry.length);
  for (let i = 0; i < entry.length; i++) out[i] = entry.dtype === 'float64' ? view.getFloat64(entry.offset + 8 * i, true) : view.getFloat32(entry.offset + 4 * i, true);
  return out;
}

/** Checks magic, length and CRC-32 of sidecar bytes against their index. */
export function verifySidecar(bytes: Uint8Array, index: SidecarIndex, path: string): void {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new CorruptFileError(path, `expected the magic "${MAGIC}", got "${magic}". Is this an HVCM sidecar?`);
  if (bytes.length !== index.byteLength) {
    throw new CorruptFileError(path, `expected ${index.byteLength} bytes, got ${bytes.length} (truncated or from another save).`);
  }
  const sum = crc32(bytes.subarray(MAGIC.length));
  if (sum !== index.crc32) throw new CorruptFileError(path, `CRC-32 ${sum} does not match the ${index.crc32} recorded in the JSON: the sidecar is damaged or belongs to another save.`);
}

/** Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, then rename. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}

/** Reads a whole file, turning a missing file into a `CorruptFileError` that names it. */
export async function readSidecarFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new CorruptFileError(path, `cannot read the sidecar (${(error as Error).message}); it must sit next to its JSON.`, { cause: error });
  }
}
