import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { CIFAR10_CLASS_NAMES, loadCifar10, loadCifar100, parseCifarBinary } from './cifar';
import { encodeCifar, makeTempDir, writeBytes } from './test-helpers';

let dir = '';
let cleanup: () => Promise<void> = async () => {};

/** Image r (channels last): pixel (y, x) channel c = (r * 7 + y * 3 + x * 5 + c * 11) mod 256. */
function pattern(n: number, offset: number): Uint8Array {
  const out = new Uint8Array(n * 3072);
  for (let r = 0; r < n; r += 1) {
    for (let y = 0; y < 32; y += 1) {
      for (let x = 0; x < 32; x += 1) {
        for (let c = 0; c < 3; c += 1) {
          out[r * 3072 + (y * 32 + x) * 3 + c] = ((r + offset) * 7 + y * 3 + x * 5 + c * 11) % 256;
        }
      }
    }
  }
  return out;
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('cifar'));
  // CIFAR-10 as extracted: parent/cifar-10-batches-bin/*.bin; 2 images per train batch.
  const c10 = join(dir, 'c10', 'cifar-10-batches-bin');
  for (let b = 1; b <= 5; b += 1) {
    await writeBytes(join(c10, `data_batch_${b}.bin`), encodeCifar(pattern(2, 2 * (b - 1)), [[b], [9 - b]]));
  }
  await writeBytes(join(c10, 'test_batch.bin'), encodeCifar(pattern(3, 100), [[1], [2], [3]]));
  // CIFAR-100: records <coarse> <fine> <pixels>; names files present.
  const c100 = join(dir, 'c100');
  await writeBytes(join(c100, 'train.bin'), encodeCifar(pattern(3, 0), [[4, 99], [19, 0], [0, 42]]));
  await writeBytes(join(c100, 'test.bin'), encodeCifar(pattern(1, 5), [[1, 2]]));
  const fine = Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n');
  await writeFile(join(c100, 'fine_label_names.txt'), `${fine}\n`);
});
afterAll(() => cleanup());

describe('CIFAR-10 binary reader', () => {
  it('round-trips all five train batches in order, planar RGB to channels last', async () => {
    const ds = await loadCifar10({ directory: join(dir, 'c10') });
    expect([ds.length, ds.height, ds.width, ds.channels]).toEqual([10, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
    expect(Array.from(ds.images)).toEqual(Array.from(pattern(10, 0)));
    // One pixel by hand: image 3, (y 1, x 2) channel 2 = (3*7 + 3 + 10 + 22) % 256 = 56.
    expect(ds.images[3 * 3072 + (1 * 32 + 2) * 3 + 2]).toBe(56);
    expect(ds.classNames).toEqual(CIFAR10_CLASS_NAMES);
  });

  it('reads the test batch when given the batches folder itself', async () => {
    const ds = await loadCifar10({ directory: join(dir, 'c10', 'cifar-10-batches-bin'), split: 'test' });
    expect(Array.from(ds.labels)).toEqual([1, 2, 3]);
    expect(Array.from(ds.images)).toEqual(Array.from(pattern(3, 100)));
  });

  it('rejects truncated files and out-of-range labels; reports missing files', () => {
    const bytes = encodeCifar(pattern(2, 0), [[1], [2]]);
    expect(() => parseCifarBinary(bytes.subarray(0, 5000), { labelBytes: 1, labelIndex: 0, numClasses: 10 }, 'b.bin')).toThrow(
      /b\.bin: expected a whole number of 3073-byte records .* found 5000 bytes \(1 records and 1927 bytes over\)/,
    );
    const badLabel = encodeCifar(pattern(1, 0), [[12]]);
    expect(() => parseCifarBinary(badLabel, { labelBytes: 1, labelIndex: 0, numClasses: 10 })).toThrow(CorruptFileError);
    expect(() => parseCifarBinary(badLabel, { labelBytes: 1, labelIndex: 0, numClasses: 10 })).toThrow(
      /expected a label below 10, found 12/,
    );
  });

  it('reports a missing train batch by name', async () => {
    const partial = join(dir, 'partial');
    await writeBytes(join(partial, 'data_batch_1.bin'), encodeCifar(pattern(1, 0), [[0]]));
    const error = await loadCifar10({ directory: partial }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as DatasetNotFoundError).path).toBe(join(partial, 'data_batch_2.bin'));
    expect((error as Error).message).toMatch(/all five data_batch_\*\.bin files/);
  });

  it('says where to download when the folder has no batches', async () => {
    const error = await loadCifar10({ directory: join(dir, 'c100') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toMatch(/data_batch_1\.bin .*cs\.toronto\.edu/);
  });
});

describe('CIFAR-100 binary reader', () => {
  it('returns fine labels by default and coarse on request', async () => {
    const fine = await loadCifar100({ directory: join(dir, 'c100') });
    expect(Array.from(fine.labels)).toEqual([99, 0, 42]);
    expect(fine.classNames[99]).toBe('fine99');
    expect(Array.from(fine.images)).toEqual(Array.from(pattern(3, 0)));
    const coarse = await loadCifar100({ directory: join(dir, 'c100'), labelMode: 'coarse' });
    expect(Array.from(coarse.labels)).toEqual([4, 19, 0]);
    expect(coarse.classNames).toEqual([]); // no coarse_label_names.txt written
    const test = await loadCifar100({ directory: join(dir, 'c100'), split: 'test' });
    expect(Array.from(test.labels)).toEqual([2]);
  });

  it('rejects a CIFAR-10 file read as CIFAR-100', async () => {
    // 2 CIFAR-10 records = 6146 bytes = 2 CIFAR-100 records, but the "coarse label" is a pixel.
    const path = join(dir, 'wrong', 'train.bin');
    const images = pattern(2, 0);
    images.fill(200, 3071, 3072); // last pixel of record 0 becomes the 2nd record's first byte
    await writeBytes(path, encodeCifar(images, [[1], [2]]));
    await expect(loadCifar100({ directory: join(dir, 'wrong') })).rejects.toThrow(CorruptFileError);
  });
});
