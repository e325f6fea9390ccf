import * as tf from '@tensorflow/tfjs-core';
import { choleskyWithRidge, type RidgeOptions } from '../linear-algebra/cholesky-with-ridge';
import { inverseLower } from '../linear-algebra/inverse';
import { transpose } from '../linear-algebra/triangular-solve';

/**
 * Gaussians with one shared covariance `S = L L^T`, kept in whitened form for batched scoring:
 * `(x - mu_c)^T S^-1 (x - mu_c) = |z - m_c|^2` with `z = (x - center) @ whiten`, `whiten = L^-T`
 * `[d, d]` and `m_c = (mu_c - center) @ whiten`. The distances to all means are one matMul:
 * `|z|^2 - 2 z M^T + |m|^2`. Centring on the training mean first keeps `|z|` small, so the float32
 * expansion does not cancel away the distance.
 */
export interface WhitenedGaussians {
  /** `[d]` float32: the point subtracted before whitening (the training mean). */
  readonly center: Float32Array;
  /** `[d, d]` float32 row-major: `L^-T`. */
  readonly whiten: Float32Array;
  /** `[K, d]` float32 row-major: whitened means. */
  readonly means: Float32Array;
  readonly dimension: number;
  readonly count: number;
  /** Relative and absolute ridge that the covariance needed (0 when none). */
  readonly eps: number;
  readonly ridge: number;
}

/** Builds {@link WhitenedGaussians} from float64 means `[K, d]`, a covariance `[d, d]` and a centre `[d]`. */
export function whitenGaussians(
  means: Float64Array,
  covariance: Float64Array,
  center: Float64Array,
  dimension: number,
  ridgeOptions?: RidgeOptions,
): WhitenedGaussians {
  const d = dimension;
  const count = means.length / d;
  const factor = choleskyWithRidge(covariance, d, ridgeOptions);
  const whiten = transpose(inverseLower(factor.factor, d), d, d); // (L^-1)^T
  const whitenedMeans = new Float32Array(count * d);
  const shifted = new Float64Array(d);
  for (let k = 0; k < count; k++) {
    for (let j = 0; j < d; j++) shifted[j] = (means[k * d + j] ?? 0) - (center[j] ?? 0);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      // (L^-1)^T is upper triangular: only rows i <= j contribute to column j.
      for (let i = 0; i <= j; i++) sum += (shifted[i] ?? 0) * (whiten[i * d + j] ?? 0);
      whitenedMeans[k * d + j] = sum;
    }
  }
  return {
    center: Float32Array.from(center),
    whiten: Float32Array.from(whiten),
    means: whitenedMeans,
    dimension: d,
    count,
    eps: factor.eps,
    ridge: factor.ridge,
  };
}

/** The tensors of {@link WhitenedGaussians} on the active backend. */
export class WhitenedGaussianTensors {
  readonly center: tf.Tensor1D;
  readonly whiten: tf.Tensor2D;
  /** `[d, K]`: whitened means, transposed (wasm's matMul is ~10x slower with transposeB). */
  readonly meansTransposed: tf.Tensor2D;
  /** `[1, K]` squared norms of the whitened means. */
  readonly meanNorms: tf.Tensor2D;

  constructor(gaussians: WhitenedGaussians) {
    const d = gaussians.dimension;
    this.center = tf.tensor1d(gaussians.center);
    this.whiten = tf.tensor2d(gaussians.whiten, [d, d]);
    const means = tf.tensor2d(gaussians.means, [gaussians.count, d]);
    this.meansTransposed = tf.transpose(means);
    this.meanNorms = tf.tidy(() => tf.reshape(tf.sum(tf.square(means), 1), [1, gaussians.count]));
    means.dispose();
  }

  /** Whitened rows `[b, d]` of features `[b, d]` (inside `tf.tidy`). */
  whitenRows(x: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(tf.sub(x, this.center), this.whiten);
  }

  /** Squared Mahalanobis distances `[b, K]` of whitened rows to every mean, clamped at 0 (inside `tf.tidy`). */
  squaredDistances(z: tf.Tensor2D): tf.Tensor2D {
    const rowNorms = tf.sum(tf.square(z), 1, true);
    const cross = tf.matMul(z, this.meansTransposed);
    return tf.relu(tf.add(tf.sub(rowNorms, tf.mul(cross, tf.scalar(2))), this.meanNorms)) as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose([this.center, this.whiten, this.meansTransposed, this.meanNorms]);
  }
}
