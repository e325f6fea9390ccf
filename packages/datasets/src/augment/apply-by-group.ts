import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/index';
import { checkProbability } from './check-images';
import type { ImageTransform } from './transform';

/**
 * Runs `fn` once per group of samples and puts the results back in batch order. `groups[i]` is the
 * group of sample i; -1 leaves the sample unchanged. `fn(group, subset, sampleIndices)` gets the
 * group's samples `[g, h, w, c]` (in batch order) and must return a tensor of the same shape (it
 * may not dispose `subset`). This is how per-sample random choices (apply or not, which kernel)
 * stay batched: one `fn` call per group, not per sample.
 *
 * Samples are moved between groups on a CPU copy of the batch (typed-array row copies), not with
 * `tf.gather` / `tf.slice`: on wasm, `slice` reads its whole input back from the heap on every call
 * and `gather` copies element by element, both 10-100x slower than moving rows here.
 */
export function applyByGroup(
  images: tf.Tensor4D,
  groups: ArrayLike<number>,
  fn: (group: number, subset: tf.Tensor4D, sampleIndices: Int32Array) => tf.Tensor4D,
): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
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
  if (members.size === 1) {
    const [g] = members.keys();
    if (g === -1) return tf.clone(images);
    return tf.tidy(() => fn(g as number, images, Int32Array.from({ length: n }, (_, i) => i)));
  }
  const stride = h * w * c;
  const source = images.dataSync() as Float32Array;
  const result = new Float32Array(source);
  for (const [g, list] of [...members.entries()].sort((a, b) => a[0] - b[0])) {
    if (g === -1) continue;
    const rows = new Float32Array(list.length * stride);
    list.forEach((sample, k) => rows.set(source.subarray(sample * stride, (sample + 1) * stride), k * stride));
    const subset = tf.tensor4d(rows, [list.length, h, w, c]);
    let values: Float32Array;
    try {
      const out = fn(g, subset, Int32Array.from(list));
      values = out.dataSync() as Float32Array;
      if (out !== subset) out.dispose();
    } finally {
      subset.dispose();
    }
    list.forEach((sample, k) => result.set(values.subarray(k * stride, (k + 1) * stride), sample * stride));
  }
  return tf.tensor4d(result, [n, h, w, c]);
}

/**
 * Per-sample choice between two batches of the same shape: sample i of `ifTrue` where `flags[i]`
 * is 1, of `ifFalse` otherwise. Computed as `m a + (1 - m) b` with a `[n, 1, 1, 1]` 0/1 factor,
 * exact for finite values, and much faster on wasm than `tf.where` with a broadcast mask.
 */
export function selectSamples(flags: Uint8Array, ifTrue: tf.Tensor4D, ifFalse: tf.Tensor4D): tf.Tensor4D {
  const n = flags.length;
  let count = 0;
  for (let i = 0; i < n; i += 1) count += flags[i] as number;
  return tf.tidy(() => {
    if (count === n) return tf.clone(ifTrue);
    if (count === 0) return tf.clone(ifFalse);
    const m = tf.tensor4d(Float32Array.from(flags), [n, 1, 1, 1]);
    return tf.add(tf.mul(ifTrue, m), tf.mul(ifFalse, tf.sub(1, m))) as tf.Tensor4D;
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
