// The loader with the augment module's transforms plugged in (interoperation of the two halves).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifarTrainTransform, dinoMultiCrop } from '../augment/index';
import { createArrayDataset } from '../readers/image-dataset';
import { disposeBatch } from './batch';
import { createDataLoader, createMultiViewLoader } from './data-loader';

/** n RGB images of size x size with random bytes (seeded), labels i mod 10. */
function randomRgb(n: number, size: number) {
  let state = 12345;
  const images = new Uint8Array(n * size * size * 3).map(() => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 24;
  });
  return createArrayDataset({ images, labels: Int32Array.from({ length: n }, (_, i) => i % 10), height: size, width: size, channels: 3 });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('loader + augmentation', () => {
  it('runs cifarTrainTransform per batch, reproducibly for a seed, without leaks', async () => {
    const dataset = randomRgb(20, 32);
    const run = async () => {
      const loader = createDataLoader(dataset, { batchSize: 8, seed: 9, transform: cifarTrainTransform() });
      const sums: number[] = [];
      for await (const batch of loader.epoch(0)) {
        expect(batch.images.shape).toEqual([batch.labels.shape[0], 32, 32, 3]);
        const total = tf.sum(batch.images);
        sums.push((await total.data())[0]!);
        total.dispose();
        disposeBatch(batch);
      }
      return sums;
    };
    await run();
    const before = tf.memory().numTensors;
    const first = await run();
    expect(first).toHaveLength(3);
    expect(await run()).toEqual(first);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('yields DINO multi-crop views of the right sizes', async () => {
    const dataset = randomRgb(6, 16);
    const loader = createMultiViewLoader(dataset, {
      batchSize: 4,
      seed: 2,
      viewsTransform: dinoMultiCrop({ globalSize: 8, localSize: 4, numLocalCrops: 2, blurKernelSize: 3 }),
    });
    const before = tf.memory().numTensors;
    const shapes: number[][][] = [];
    for await (const batch of loader) {
      shapes.push(batch.views.map((v) => v.shape));
      disposeBatch(batch);
    }
    expect(shapes).toEqual([
      [
        [4, 8, 8, 3],
        [4, 8, 8, 3],
        [4, 4, 4, 3],
        [4, 4, 4, 3],
      ],
      [
        [2, 8, 8, 3],
        [2, 8, 8, 3],
        [2, 4, 4, 3],
        [2, 4, 4, 3],
      ],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
