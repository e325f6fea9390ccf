import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@hvcm/metrics';
import { BadImageFileError } from '../errors/bad-image-file-error';
import { createArrayDataset, type ArrayImageDataset } from '../readers/image-dataset';
import { loadImageFolder } from '../readers/image-folder';
import { makeTempDir, writeRawImage } from '../readers/test-helpers';
import { disposeBatch, type Batch } from './batch';
import { countBatches, createDataLoader, createMultiViewLoader, type DataLoader } from './data-loader';

/** n samples of 1x2x1 whose two pixels encode the index (hi, lo bytes); label = index mod 7. */
function indexedDataset(n: number): ArrayImageDataset {
  const images = new Uint8Array(n * 2);
  for (let i = 0; i < n; i += 1) {
    images[2 * i] = Math.floor(i / 256);
    images[2 * i + 1] = i % 256;
  }
  return createArrayDataset({
    images,
    labels: Int32Array.from({ length: n }, (_, i) => i % 7),
    height: 1,
    width: 2,
    channels: 1,
  });
}

/** Runs one epoch; returns the sample indices decoded from the pixels, per batch; disposes everything. */
async function collect(loader: AsyncIterable<Batch>): Promise<number[][]> {
  const batches: number[][] = [];
  for await (const batch of loader) {
    const pixels = await batch.images.data();
    const labels = await batch.labels.data();
    const ids: number[] = [];
    for (let r = 0; r < batch.images.shape[0]; r += 1) {
      const id = Math.round(pixels[2 * r]! * 255) * 256 + Math.round(pixels[2 * r + 1]! * 255);
      expect(labels[r]).toBe(id % 7);
      expect(batch.indices[r]).toBe(id);
      ids.push(id);
    }
    batches.push(ids);
    disposeBatch(batch);
  }
  return batches;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('createDataLoader on an in-memory dataset', () => {
  it('yields every sample exactly once per epoch, in batches of batchSize', async () => {
    const loader = createDataLoader(indexedDataset(103), { batchSize: 10, seed: 1 });
    expect(loader.numBatches).toBe(11);
    expect(loader.samplesPerEpoch).toBe(103);
    const batches = await collect(loader.epoch(0));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    const all = batches.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 103 }, (_, i) => i));
  });

  it('dropLast drops the short last batch and numBatches says so up front', async () => {
    const loader = createDataLoader(indexedDataset(103), { batchSize: 10, dropLast: true, seed: 1 });
    expect(loader.numBatches).toBe(10);
    expect(loader.samplesPerEpoch).toBe(100);
    const batches = await collect(loader.epoch(3));
    expect(batches).toHaveLength(10);
    expect(new Set(batches.flat()).size).toBe(100);
    expect(countBatches(100, 10, true)).toBe(10);
    expect(countBatches(100, 10, false)).toBe(10);
    expect(countBatches(101, 10, false)).toBe(11);
    expect(countBatches(9, 10, true)).toBe(0);
  });

  it('same seed and epoch give the same order; other epochs and seeds differ', async () => {
    const a = createDataLoader(indexedDataset(50), { batchSize: 8, seed: 42 });
    const b = createDataLoader(indexedDataset(50), { batchSize: 8, seed: 42 });
    const c = createDataLoader(indexedDataset(50), { batchSize: 8, seed: 43 });
    const a0 = (await collect(a.epoch(0))).flat();
    expect((await collect(b.epoch(0))).flat()).toEqual(a0);
    expect((await collect(a.epoch(1))).flat()).not.toEqual(a0);
    expect((await collect(c.epoch(0))).flat()).not.toEqual(a0);
    // Iterating the loader itself walks epochs 0, 1, ...
    expect((await collect(b)).flat()).toEqual(a0);
    expect((await collect(b)).flat()).toEqual((await collect(a.epoch(1))).flat());
    const plain = createDataLoader(indexedDataset(20), { batchSize: 8, shuffle: false });
    expect((await collect(plain)).flat()).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps memory flat across epochs and disposes prefetched batches on early break', async () => {
    const loader = createDataLoader(indexedDataset(64), {
      batchSize: 8,
      prefetch: 3,
      transform: (images) => tf.mul(images, 2) as tf.Tensor4D,
    });
    // Warm-up: the backend may keep a cached scalar after the first tf.mul.
    for await (const batch of loader.epoch(0)) disposeBatch(batch);
    const before = tf.memory().numTensors;
    for (let epoch = 1; epoch <= 3; epoch += 1) {
      for await (const batch of loader.epoch(epoch)) disposeBatch(batch);
      expect(tf.memory().numTensors).toBe(before);
    }
    let seen = 0;
    for await (const batch of loader.epoch(4)) {
      disposeBatch(batch);
      seen += 1;
      if (seen === 2) break; // 3 more batches were being built ahead
    }
    expect(tf.memory().numTensors).toBe(before);
    // A throw inside the loop body also releases the prefetched batches.
    await expect(
      (async () => {
        for await (const batch of loader.epoch(5)) {
          disposeBatch(batch);
          throw new Error('consumer failed');
        }
      })(),
    ).rejects.toThrow('consumer failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives each batch its own seeded rng and applies the transform', async () => {
    const draws = async (seed: number) => {
      const seen: number[] = [];
      const loader = createDataLoader(indexedDataset(30), {
        batchSize: 10,
        seed,
        valueScale: 1,
        transform: (images, rng) => {
          seen.push(rng.nextUint32());
          return tf.add(images, 1000) as tf.Tensor4D;
        },
      });
      for await (const batch of loader.epoch(0)) {
        const values = await batch.images.data();
        // valueScale 1 keeps raw bytes; the transform added 1000.
        expect(values[1]! - 1000).toBe(batch.indices[0]! % 256);
        disposeBatch(batch);
      }
      return seen;
    };
    const first = await draws(5);
    expect(first).toHaveLength(3);
    expect(new Set(first).size).toBe(3);
    expect(await draws(5)).toEqual(first);
    expect(await draws(6)).not.toEqual(first);
  });

  it('propagates a transform error without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const loader = createDataLoader(indexedDataset(30), {
      batchSize: 10,
      prefetch: 2,
      transform: (images, rng) => {
        if (rng.next() >= 0) throw new Error('transform broke');
        return images;
      },
    });
    await expect(collect(loader)).rejects.toThrow('transform broke');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('builds exactly `prefetch` batches ahead while the consumer holds one', async () => {
    const idle = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    for (const prefetch of [0, 1, 3]) {
      let built = 0;
      const loader = createDataLoader(indexedDataset(40), {
        batchSize: 4,
        prefetch,
        transform: (images) => {
          built += 1;
          return tf.clone(images);
        },
      });
      const ahead: number[] = [];
      let held = 0;
      for await (const batch of loader) {
        held += 1;
        await idle(); // the consumer "trains": the loader may build in the meantime
        ahead.push(built - held);
        disposeBatch(batch);
      }
      // Until the end of the epoch nears, `prefetch` batches are built beyond the held ones.
      expect(ahead.slice(0, 10 - prefetch)).toEqual(new Array(10 - prefetch).fill(prefetch));
    }
  });

  it('rejects bad options', () => {
    const ds = indexedDataset(4);
    expect(() => createDataLoader(ds, { batchSize: 0 })).toThrow(InvalidArgumentError);
    expect(() => createDataLoader(ds, { batchSize: 2, prefetch: -1 })).toThrow(/prefetch/);
    expect(() => createDataLoader(ds, { batchSize: 2, decodeConcurrency: 0 })).toThrow(/decodeConcurrency/);
    expect(() => createDataLoader(ds, { batchSize: 2.5 })).toThrow(/batchSize/);
  });
});

describe('createMultiViewLoader', () => {
  it('yields the views of every batch and disposes the source images', async () => {
    const loader = createMultiViewLoader(indexedDataset(12), {
      batchSize: 5,
      viewsTransform: (images) => [tf.clone(images), tf.mul(images, 0) as tf.Tensor4D],
    });
    await (async () => {
      for await (const b of loader.epoch(0)) disposeBatch(b);
    })();
    const before = tf.memory().numTensors;
    const sizes: number[] = [];
    for await (const batch of loader.epoch(1)) {
      expect(batch.views).toHaveLength(2);
      expect(batch.views[1]!.shape).toEqual([batch.labels.shape[0], 1, 2, 1]);
      sizes.push(batch.labels.shape[0]);
      disposeBatch(batch);
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('createDataLoader on a lazy folder dataset', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let loaderOf: (skip: boolean) => Promise<DataLoader<Batch>>;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('loader'));
    // 9 PNGs of 3x3 grey, value 20 * k, in classes a (k 0..4) and b (k 5..8); one broken file in b.
    for (let k = 0; k < 9; k += 1) {
      const cls = k < 5 ? 'a' : 'b';
      await writeRawImage(join(dir, cls, `img${k}.png`), new Uint8Array(9).fill(20 * k), 3, 3, 1, 'png');
    }
    await writeFile(join(dir, 'b', 'zz-broken.png'), 'not a png');
    loaderOf = async (skip: boolean) =>
      createDataLoader(await loadImageFolder(dir, { size: 3, channels: 1, onBadFile: skip ? 'skip' : 'error' }), {
        batchSize: 4,
        valueScale: 1,
        seed: 3,
      });
  });
  afterAll(() => cleanup());

  it('decodes per batch, skips and counts bad files when asked', async () => {
    const loader = await loaderOf(true);
    expect(loader.numBatches).toBe(3);
    const before = tf.memory().numTensors;
    const values: number[] = [];
    const labels: number[] = [];
    let rows = 0;
    for await (const batch of loader) {
      const px = await batch.images.data();
      for (let r = 0; r < batch.images.shape[0]; r += 1) values.push(px[r * 9]!);
      labels.push(...(await batch.labels.data()));
      rows += batch.images.shape[0];
      disposeBatch(batch);
    }
    expect(rows).toBe(9);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160]);
    // label of each value: class a for values < 100.
    values.forEach((v, i) => expect(labels[i]).toBe(v < 100 ? 0 : 1));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not yield a batch whose files were all skipped (numBatches is then an upper bound)', async () => {
    const root = join(dir, '..', `${dir.split('/').pop()}-allbad`);
    await writeRawImage(join(root, 'x', 'a-good.png'), new Uint8Array(9).fill(5), 3, 3, 1, 'png');
    await writeFile(join(root, 'x', 'b-bad.png'), 'nope');
    await writeFile(join(root, 'x', 'c-bad.png'), 'nope');
    try {
      const dataset = await loadImageFolder(root, { size: 3, channels: 1, onBadFile: 'skip' });
      const loader = createDataLoader(dataset, { batchSize: 1, shuffle: false });
      expect(loader.numBatches).toBe(3);
      const seen: number[] = [];
      for await (const batch of loader) {
        seen.push(batch.batchIndex);
        disposeBatch(batch);
      }
      expect(seen).toEqual([0]);
      expect(dataset.badFiles).toHaveLength(2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('names the bad file and leaks nothing in error mode', async () => {
    const loader = await loaderOf(false);
    const before = tf.memory().numTensors;
    const error = await (async () => {
      for await (const batch of loader) disposeBatch(batch);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadImageFileError);
    expect((error as Error).message).toMatch(/zz-broken\.png/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
