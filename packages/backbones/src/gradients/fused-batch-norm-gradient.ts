import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradient of `FusedBatchNorm` (`tf.batchNorm(x, mean, variance, offset, scale, eps)`) by
 * per-channel reductions, for `x` [..., C] and per-channel (rank-1, [C]) statistics. tfjs-core's own
 * gradient tiles the statistics to the full shape of `x` before multiplying; here every
 * multiplication broadcasts a [C] vector and every parameter gradient is one `sum` over the
 * leading axes. With r = 1 / sqrt(variance + eps), xc = x - mean:
 *   dx = dy * scale * r,   dOffset = sum(dy),   dScale = r * sum(dy * xc),
 *   dMean = -scale * r * sum(dy),   dVariance = -0.5 * scale * r^3 * sum(dy * xc).
 * Non-rank-1 statistics (full-shape mean, as tfjs allows) are handed to `fallback`.
 */
export function fusedBatchNormGradient(fallback: tf.GradFunc): tf.GradFunc {
  return (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    if (mean.rank !== 1 || Array.isArray(dy)) return fallback(dy, saved, attrs);
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const scaleR = scale == null ? r : tf.mul(scale, r);
    // Computed here, not inside the returned closures: the tape runs each closure in its own tidy,
    // so a result shared between two of them would be disposed after the first.
    const sumDy = tf.sum(dy, axes);
    const sumDyXc = tf.sum(tf.mul(dy, tf.sub(x, mean)), axes);
    return {
      x: () => tf.mul(dy, scaleR),
      mean: () => tf.neg(tf.mul(scaleR, sumDy)),
      variance: () => tf.mul(tf.mul(tf.mul(scaleR, tf.square(r)), tf.scalar(-0.5)), sumDyXc),
      scale: () => tf.mul(r, sumDyXc),
      offset: () => sumDy,
    };
  };
}
