import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/index';
import { checkProbability } from './check-images';
import type { ImageTransform } from './transform';

/**
 * Runs `fn` once per group of samples and puts the results back in batch order. `groups[i]` is the
 * group of sample i; -1 leaves the sample unchanged. `fn(group, subset, sampleIndices)` gets the
 * group's samples `[g, h, w, c]` (in batch order) and must return a tensor of the same shape.
 * This is how per-sample random choices (apply or not, which order) stay batched: one gather per
 * group instead of one op per sample.
 */
export function applyByGroup(
  images: tf.Tensor4D,
  groups: ArrayLike<number>,
  fn: (group: number, subset: tf.Tensor4D, sampleIndices: Int32Array) => tf.Tensor4D,
): tf.Tensor4D {
  const n = images.shape[0];
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i += 1) {
    const g = groups[i] as number;
    let list = members.get(g);
    if (list === undefined) {
      list = [];
      members.set(g, list);
    }
    list.push(i);
  }
  return tf.tidy(() => {
    if (members.size === 1) {
      const [g] = members.keys();
      if (g === -1) return tf.clone(images);
      return fn(g as number, images, Int32Array.from({ length: n }, (_, i) => i));
    }
    const parts: tf.Tensor4D[] = [];
    const placed: number[] = [];
    for (const [g, list] of [...members.entries()].sort((a, b) => a[0] - b[0])) {
      const idx = Int32Array.from(list);
      const subset = tf.gather(images, tf.tensor1d(idx, 'int32')) as tf.Tensor4D;
      parts.push(g === -1 ? subset : fn(g, subset, idx));
      placed.push(...list);
    }
    // `placed[k]` is the sample at row k of the concatenation; invert it to restore batch order.
    const inverse = new Int32Array(n);
    placed.forEach((sample, row) => {
      inverse[sample] = row;
    });
    return tf.gather(tf.concat(parts, 0), tf.tensor1d(inverse, 'int32')) as tf.Tensor4D;
  });
}

/**
 * Applies `transform` to each sample with probability `p` (torchvision `RandomApply`, decided per
 * sample): draws one Bernoulli(p) per sample in batch order, then runs `transform` on the chosen
 * samples only (it draws its own parameters for them from the same `rng`).
 */
export function randomApply(transform: ImageTransform, p: number): ImageTransform {
  checkProbability('randomApply', p);
  return (images, rng: Rng) => {
    const n = images.shape[0];
    const groups = new Int32Array(n);
    for (let i = 0; i < n; i += 1) groups[i] = rng.bernoulli(p) ? 0 : -1;
    return applyByGroup(images, groups, (_g, subset) => transform(subset, rng));
  };
}

/** `[n, 1, 1, 1]` tensor of per-sample values, for broadcasting against `[n, h, w, c]`. */
export function perSample(values: ArrayLike<number> | number, n: number): tf.Tensor4D {
  if (typeof values === 'number') return tf.fill([n, 1, 1, 1], values) as tf.Tensor4D;
  return tf.tensor4d(Float32Array.from(values), [n, 1, 1, 1]);
}

/** Per-sample Bernoulli(p) draws in batch order, as 0/1 flags `[n]`. */
export function drawMask(rng: Rng, n: number, p: number): Uint8Array {
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) flags[i] = rng.bernoulli(p) ? 1 : 0;
  return flags;
}

/** `[n, 1, 1, 1]` bool tensor from 0/1 flags. */
export function maskTensor(flags: Uint8Array): tf.Tensor4D {
  return tf.tensor4d(flags, [flags.length, 1, 1, 1], 'bool');
}
