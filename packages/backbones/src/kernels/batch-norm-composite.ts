import * as tf from '@tensorflow/tfjs-core';

/** What the training-mode BatchNorm ops return. */
export interface BatchNormTrainingResult {
  /** Normalised, scaled and shifted `x` (then ReLU'd when asked), same shape. */
  y: tf.Tensor4D;
  /** Batch mean `[C]`; not on the gradient tape; the caller disposes it. */
  mean: tf.Tensor1D;
  /** Biased batch variance `[C]`; not on the gradient tape; the caller disposes it. */
  variance: tf.Tensor1D;
}

/**
 * Training-mode BatchNorm of NHWC `x` `[n, h, w, C]` from tfjs ops, as one differentiable op with a
 * hand-written gradient; works on every backend (the `wasm` backend has a faster kernel pair, see
 * batch-norm-ops.ts). Why not `tf.moments` + `tf.batchNorm`: on `wasm` a reduction over axes `[0, 1, 2]`
 * transposes the whole tensor first (`moments` took 20 ms on a `[128, 28, 28, 16]` batch), and the
 * autodiff of `moments` adds several full-size passes. Viewing `x` as a matrix `[M, C]` (`M = n h w`),
 * every per-channel sum here is one matrix product `ones[M, 1]^T x X` (about 0.5 ms on XNNPACK), and the
 * gradient needs only two such sums and a few broadcast passes:
 *   xc = x - mean, r = 1 / sqrt(var + eps), y = gamma r xc + beta
 *   dbeta = sum(dy), dgamma = r sum(dy xc),
 *   dx = gamma r (dy - sum(dy) / M - xc r^2 sum(dy xc) / M).
 * `scale` (gamma) and `offset` (beta) are `[C]`. With `relu`, `y` is followed by `tf.relu` (autodiff).
 * Tried and dropped: the one-pass variance `E[x^2] - mean^2` (saves one pass, loses digits when
 * |mean| >> std) and wasm's `FusedBatchNorm` kernel for the affine step (slower there than a broadcast
 * multiply + add).
 */
export function batchNormTrainingComposite(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  relu = false,
): BatchNormTrainingResult {
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  // Per-channel sums of a matrix `[M, C]` as `ones[M, 1]^T x X`. Measured on wasm for M = 100352,
  // C = 16 (best of 15): 0.5 ms over the cost of producing X, against 6 ms for `sum(X, 0)` and for the
  // same product written `ones[1, M] x X` (without transposeA it takes a slower path).
  const columnSums = (matrix: tf.Tensor2D): tf.Tensor2D =>
    tf.matMul(tf.ones([m, 1]) as tf.Tensor2D, matrix, true, false);
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, scaleIn, offsetIn, save) => {
    const flat = tf.reshape(xIn as tf.Tensor, [m, c]) as tf.Tensor2D;
    const mu = tf.div(columnSums(flat), m) as tf.Tensor2D; // [1, C]
    const xc = tf.sub(flat, mu) as tf.Tensor2D;
    const v = tf.div(columnSums(tf.mul(xc, xc) as tf.Tensor2D), m) as tf.Tensor2D; // [1, C]
    const r = tf.rsqrt(tf.add(v, epsilon)) as tf.Tensor2D;
    const gammaR = tf.mul(scaleIn as tf.Tensor, r) as tf.Tensor2D;
    const y = tf.reshape(tf.add(tf.mul(xc, gammaR), offsetIn as tf.Tensor), [n, h, w, c]);
    mean = tf.keep(tf.reshape(mu, [c]) as tf.Tensor1D);
    variance = tf.keep(tf.reshape(v, [c]) as tf.Tensor1D);
    (save as tf.GradSaveFunc)([xc, r, gammaR]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sxc, sr, sGammaR] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dyFlat = tf.reshape(dy as tf.Tensor, [m, c]) as tf.Tensor2D;
        const sumDy = columnSums(dyFlat); // [1, C]
        const sumDyXc = columnSums(tf.mul(dyFlat, sxc) as tf.Tensor2D); // [1, C]
        // dx = gammaR * (dy - xc * k) - gammaR * sumDy / M, with k = r^2 sumDyXc / M.
        const k = tf.div(tf.mul(tf.square(sr), sumDyXc), m);
        const shift = tf.neg(tf.div(tf.mul(sGammaR, sumDy), m));
        const dx = tf.add(tf.mul(tf.sub(dyFlat, tf.mul(sxc, k)), sGammaR), shift);
        return [
          tf.reshape(dx, [n, h, w, c]),
          tf.reshape(tf.mul(sr, sumDyXc), [c]),
          tf.reshape(sumDy, [c]),
        ];
      },
    };
  });
  const normalized = op(x, scale, offset) as tf.Tensor4D;
  if (mean === undefined || variance === undefined) throw new Error('internal: batch statistics not computed');
  if (!relu) return { y: normalized, mean, variance };
  const y = tf.relu(normalized);
  normalized.dispose();
  return { y, mean, variance };
}

/** `max(a + b, 0)` from tfjs ops (the residual block end), differentiable by autodiff; any backend. */
export function addReluComposite<T extends tf.Tensor>(a: T, b: T): T {
  return tf.tidy(() => tf.relu(tf.add(a, b)) as T);
}
