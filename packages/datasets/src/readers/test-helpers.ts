// Helpers for the reader tests: write small files in the real formats into a temp folder.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';

/** A fresh temp folder; call `cleanup` in afterAll. */
export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `hvcm-datasets-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** IDX bytes for uint8 `data` with `dims` (magic 0x000008NN, big-endian sizes). */
export function encodeIdxUint8(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Writes `bytes` to `path` (creating folders), gzipped when `gzip` is true. */
export async function writeBytes(path: string, bytes: Uint8Array, gzip = false): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gzip ? gzipSync(bytes) : bytes);
}

/**
 * CIFAR binary records for images given channels-last `[n, 32, 32, 3]`: each record is the
 * label bytes then the red, green and blue planes.
 */
export function encodeCifar(images: Uint8Array, labelRows: readonly (readonly number[])[]): Uint8Array {
  const n = labelRows.length;
  const labelBytes = (labelRows[0] as readonly number[]).length;
  const record = labelBytes + 3072;
  const out = new Uint8Array(n * record);
  for (let r = 0; r < n; r += 1) {
    (labelRows[r] as readonly number[]).forEach((v, i) => (out[r * record + i] = v));
    for (let p = 0; p < 1024; p += 1) {
      for (let c = 0; c < 3; c += 1) {
        out[r * record + labelBytes + c * 1024 + p] = images[r * 3072 + p * 3 + c] as number;
      }
    }
  }
  return out;
}

/** Writes a solid-colour image of `width` x `height` in `format` (channels 3). */
export async function writeSolidImage(
  path: string,
  width: number,
  height: number,
  rgb: readonly [number, number, number],
  format: 'png' | 'jpeg' | 'webp',
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i += 1) pixels.set(rgb, i * 3);
  await writeRawImage(path, pixels, width, height, 3, format);
}

/** Writes raw uint8 pixels `[height, width, channels]` as an image file. */
export async function writeRawImage(
  path: string,
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
  format: 'png' | 'jpeg' | 'webp',
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let image = sharp(pixels, { raw: { width, height, channels } });
  image = format === 'png' ? image.png() : format === 'jpeg' ? image.jpeg({ quality: 95 }) : image.webp({ lossless: true });
  await image.toFile(path);
}
