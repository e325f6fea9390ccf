import * as tf from '@tensorflow/tfjs-core';

/**
 * Exact GELU, `0.5 x (1 + erf(x / sqrt 2))`, as PyTorch's `nn.GELU()` default (not the tanh
 * approximation). tfjs-core has no GELU op; `erf` has a gradient, so this one is differentiable.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

/**
 * Row-wise L2 normalisation `x / max(||x||, 1e-12)` (PyTorch's `F.normalize(x, dim=-1)`).
 * `x [n, k]` -> `[n, k]`.
 */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)));
}
