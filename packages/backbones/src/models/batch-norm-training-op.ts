import type * as tf from '@tensorflow/tfjs-core';

import type { BatchNormTrainingResult } from '../kernels/batch-norm-composite';
import { batchNormTraining } from '../kernels/batch-norm-ops';

export type { BatchNormTrainingResult } from '../kernels/batch-norm-composite';

/**
 * Training-mode BatchNorm of NHWC `x` `[n, h, w, C]` as one differentiable op with a hand-written
 * gradient: normalises with the batch's own mean and biased variance over `n, h, w`,
 * `y = scale (x - mean) / sqrt(var + epsilon) + offset`, then `max(y, 0)` when `relu` (fused: one op).
 * `scale` (gamma) and `offset` (beta) are `[C]`; the returned `mean` and `variance` `[C]` are off the
 * tape and the caller disposes them. On `wasm` this runs hand-written SIMD kernels (two passes each
 * way, see ../kernels/batch-norm-ops.ts); on every other backend tfjs ops with per-channel sums as
 * matrix products (../kernels/batch-norm-composite.ts).
 */
export function normalizeWithBatchStatistics(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  relu = false,
): BatchNormTrainingResult {
  return batchNormTraining(x, scale, offset, epsilon, relu);
}
