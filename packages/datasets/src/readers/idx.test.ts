import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '@hvcm/metrics';
import { CountMismatchError } from '../errors/count-mismatch-error';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { loadIdxDataset, parseIdx, readIdxImages, readIdxLabels } from './idx';
import { encodeIdxUint8, makeTempDir, writeBytes } from './test-helpers';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
// 3 images of 2x4 with pixel value = 10 * image + position, labels 7, 0, 3.
const pixels = Uint8Array.from({ length: 3 * 8 }, (_, i) => 10 * Math.floor(i / 8) + (i % 8));
const labels = Uint8Array.from([7, 0, 3]);

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('idx'));
  await writeBytes(join(dir, 'raw', 'images'), encodeIdxUint8([3, 2, 4], pixels));
  await writeBytes(join(dir, 'raw', 'labels'), encodeIdxUint8([3], labels));
  await writeBytes(join(dir, 'gz', 'images.gz'), encodeIdxUint8([3, 2, 4], pixels), true);
  await writeBytes(join(dir, 'gz', 'labels.gz'), encodeIdxUint8([3], labels), true);
});
afterAll(() => cleanup());

describe('IDX reader', () => {
  for (const kind of ['raw', 'gz'] as const) {
    it(`round-trips images and labels (${kind})`, async () => {
      const suffix = kind === 'gz' ? '.gz' : '';
      const ds = await loadIdxDataset({
        images: join(dir, kind, `images${suffix}`),
        labels: join(dir, kind, `labels${suffix}`),
      });
      expect(ds.kind).toBe('array');
      expect([ds.length, ds.height, ds.width, ds.channels]).toEqual([3, 2, 4, 1]);
      expect(Array.from(ds.images)).toEqual(Array.from(pixels));
      expect(Array.from(ds.labels)).toEqual([7, 0, 3]);
      expect(ds.labels).toBeInstanceOf(Int32Array);
    });
  }

  it('decodes big-endian wider types', () => {
    // int16 [2] = 0x0102, 0xfffe -> 258, -2; float32 [1] = 0x3fc00000 -> 1.5.
    const int16 = parseIdx(Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]));
    expect(int16.dataType).toBe('int16');
    expect(Array.from(int16.data)).toEqual([258, -2]);
    const f32 = parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]));
    expect(Array.from(f32.data)).toEqual([1.5]);
  });

  it('rejects a wrong magic number', () => {
    const bytes = encodeIdxUint8([1], Uint8Array.from([1]));
    bytes[0] = 0x1a; // e.g. a PNG/other file
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(CorruptFileError);
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(/x\.idx: wrong magic number 0x1a000801/);
    const badType = encodeIdxUint8([1], Uint8Array.from([1]));
    badType[2] = 0x07;
    expect(() => parseIdx(badType)).toThrow(/wrong magic number/);
  });

  it('rejects truncated files and trailing bytes, saying the sizes', () => {
    const full = encodeIdxUint8([3, 2, 4], pixels);
    expect(() => parseIdx(full.subarray(0, full.length - 1), 'images')).toThrow(
      /truncated file: dimensions \[3, 2, 4\] of uint8 need 40 bytes, found 39/,
    );
    expect(() => parseIdx(full.subarray(0, 10))).toThrow(/truncated header/);
    const longer = new Uint8Array(full.length + 2);
    longer.set(full);
    expect(() => parseIdx(longer)).toThrow(/trailing bytes/);
  });

  it('rejects a truncated .gz file', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(encodeIdxUint8([3, 2, 4], pixels));
    const path = join(dir, 'broken.gz');
    await writeBytes(path, gz.subarray(0, gz.length - 12));
    await expect(readIdxImages(path)).rejects.toThrow(CorruptFileError);
    await expect(readIdxImages(path)).rejects.toThrow(/does not inflate/);
  });

  it('rejects an image/label count mismatch', async () => {
    await writeBytes(join(dir, 'mismatch', 'labels'), encodeIdxUint8([2], Uint8Array.from([1, 2])));
    const error = await loadIdxDataset({
      images: join(dir, 'raw', 'images'),
      labels: join(dir, 'mismatch', 'labels'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CountMismatchError);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as CountMismatchError).imageCount).toBe(3);
    expect((error as CountMismatchError).labelCount).toBe(2);
    expect((error as Error).message).toMatch(/expected as many labels as images .* \(3\), found 2/);
  });

  it('rejects swapped files and reports a missing file as DATASET_NOT_FOUND', async () => {
    await expect(readIdxImages(join(dir, 'raw', 'labels'))).rejects.toThrow(/expected uint8 images with 3 dimensions/);
    await expect(readIdxLabels(join(dir, 'raw', 'images'))).rejects.toThrow(/expected integer labels with 1 dimension/);
    const missing = await readIdxImages(join(dir, 'nope')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DatasetNotFoundError);
    expect((missing as DatasetNotFoundError).code).toBe('DATASET_NOT_FOUND');
  });
});
