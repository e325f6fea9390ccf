// What main.ts and diagnose-centers.ts share: MNIST digits as tensors, and one epoch of HVCM training.
import * as tf from '@tensorflow/tfjs-core';
import { randomPermutation, type ArrayImageDataset, type Rng } from '@hvcm/datasets';
import { hvcmTrainStep, type HvcmTrainStepOptions } from '@hvcm/grouped-gmm';

/** Digits per training step. */
export const BATCH = 64;

/** Gathers digits `indices` of `ds` as a [n, 28, 28, 1] float32 tensor in [0, 1]. */
export function gatherImages(ds: ArrayImageDataset, indices: ArrayLike<number>): tf.Tensor4D {
  const n = indices.length;
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    const src = (indices[i] as number) * 784;
    for (let p = 0; p < 784; p++) pixels[i * 784 + p] = (ds.images[src + p] as number) / 255;
  }
  return tf.tensor4d(pixels, [n, 28, 28, 1]);
}

/** The training digits: `indices` into `dataset` and their (remapped) `labels`, equally long. */
export interface TrainingDigits {
  readonly dataset: ArrayImageDataset;
  readonly indices: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
}

/**
 * One epoch of `L = L_hvcm` in a seeded shuffle, full batches of `BATCH` only; `afterStep` runs after
 * each step. Returns the mean loss and the number of steps.
 */
export async function trainEpoch(
  step: HvcmTrainStepOptions<tf.Tensor4D>,
  digits: TrainingDigits,
  rng: Rng,
  afterStep: () => void = () => undefined,
): Promise<{ meanLoss: number; steps: number }> {
  const count = digits.indices.length;
  const order = randomPermutation(count, rng);
  let sum = 0;
  let steps = 0;
  for (let start = 0; start + BATCH <= count; start += BATCH) {
    const positions = order.subarray(start, start + BATCH);
    const indices = Array.from(positions, (p) => digits.indices[p] as number);
    const labels = Int32Array.from(positions, (p) => digits.labels[p] as number);
    const x = gatherImages(digits.dataset, indices);
    sum += (await hvcmTrainStep(step, x, labels)).loss;
    x.dispose();
    steps++;
    afterStep();
  }
  return { meanLoss: sum / steps, steps };
}
