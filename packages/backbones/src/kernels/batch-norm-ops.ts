// Differentiable training-mode BatchNorm (+ ReLU) and residual add + ReLU: the hand-written wasm
// SIMD kernels (batch-norm-wasm-kernels.ts) on the `wasm` backend, tfjs ops everywhere else.
import * as tf from '@tensorflow/tfjs-core';

import { addReluComposite, batchNormTrainingComposite, type BatchNormTrainingResult } from './batch-norm-composite';
import {
  ADD_RELU,
  ADD_RELU_BACKWARD,
  BATCH_NORM_TRAINING_BACKWARD,
  BATCH_NORM_MOVING_STATISTICS,
  BATCH_NORM_TRAINING_FORWARD,
  batchNormWasmKernelsActive,
  type MovingStatisticsAttrs,
} from './batch-norm-wasm-kernels';

/**
 * Training-mode BatchNorm of NHWC `x` `[n, h, w, C]` with the batch's own statistics (biased variance
 * over `n, h, w`), `y = scale (x - mean) / sqrt(var + epsilon) + offset`, then `max(y, 0)` when
 * `relu`. Differentiable in `x`, `scale`, `offset`; `mean` and `variance` `[C]` are off the tape and
 * the caller disposes them. On `wasm` (float32): two SIMD passes forward (statistics, normalise) and
 * two backward (sums, dx), against about 10 tfjs ops forward and 12 backward for the composite path.
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  relu = false,
): BatchNormTrainingResult {
  const float = x.dtype === 'float32' && scale.dtype === 'float32' && offset.dtype === 'float32';
  if (!float || !batchNormWasmKernelsActive()) return batchNormTrainingComposite(x, scale, offset, epsilon, relu);
  const attrs = { epsilon, relu } as unknown as tf.NamedAttrMap;
  let mean: tf.Tensor1D | undefined;
  let variance: tf.Tensor1D | undefined;
  const op = tf.customGrad((xIn, scaleIn, offsetIn, save) => {
    const inputs = { x: xIn, scale: scaleIn, offset: offsetIn } as unknown as tf.NamedTensorMap;
    const [y, mu, v] = tf.engine().runKernel(BATCH_NORM_TRAINING_FORWARD, inputs, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
    mean = tf.keep(mu) as tf.Tensor1D;
    variance = tf.keep(v) as tf.Tensor1D;
    // `save` clones; on wasm the registered Identity shares data (shared-identity.ts), so no copy of x.
    (save as tf.GradSaveFunc)([xIn as tf.Tensor, scaleIn as tf.Tensor, offsetIn as tf.Tensor, mu, v]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, s, o, sm, sv] = saved;
        const backwardInputs = { dy, x: sx, scale: s, offset: o, mean: sm, variance: sv } as unknown as tf.NamedTensorMap;
        return tf.engine().runKernel(BATCH_NORM_TRAINING_BACKWARD, backwardInputs, attrs) as tf.Tensor[];
      },
    };
  });
  const y = op(x, scale, offset) as tf.Tensor4D;
  if (mean === undefined || variance === undefined) throw new Error('internal: batch statistics not computed');
  return { y, mean, variance };
}

/**
 * `max(a + b, 0)` for same-shape `a`, `b` (the end of a residual block), differentiable in both. On
 * `wasm` (float32, equal shapes) one fused pass each way; tfjs `relu(add)` elsewhere (broadcasting too).
 */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  const fast =
    a.dtype === 'float32' && b.dtype === 'float32' && tf.util.arraysEqual(a.shape, b.shape) && batchNormWasmKernelsActive();
  if (!fast) return addReluComposite(a, b);
  const op = tf.customGrad((aIn, bIn, save) => {
    const y = tf.engine().runKernel(ADD_RELU, { a: aIn, b: bIn } as unknown as tf.NamedTensorMap) as tf.Tensor;
    (save as tf.GradSaveFunc)([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = tf.engine().runKernel(ADD_RELU_BACKWARD, { dy, y: saved[0] } as unknown as tf.NamedTensorMap) as tf.Tensor;
        // Two tensors sharing one buffer: the tape may dispose one input's gradient while the other's is still needed.
        return [d, tf.reshape(d, d.shape)];
      },
    };
  });
  return op(a, b) as T;
}

/**
 * The moving statistics after one training batch, as PyTorch updates them:
 * `(1 - momentum) running + momentum batch`, with the batch variance made unbiased (`count / (count - 1)`,
 * `count = n h w`). All `[C]`; returns new tensors `[mean, variance]` for the caller to assign. Never
 * differentiated. On `wasm` one kernel call, where the six tfjs ops it replaces each cloned their inputs
 * for the gradient tape (18 kernel calls per BatchNorm in a training step).
 */
export function movingStatistics(
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  momentum: number,
  count: number,
): [tf.Tensor1D, tf.Tensor1D] {
  const unbiased = count > 1 ? count / (count - 1) : 1;
  const attrs: MovingStatisticsAttrs = { keep: 1 - momentum, meanWeight: momentum, varWeight: momentum * unbiased };
  const all = [runningMean, runningVar, mean, variance];
  if (all.every((t) => t.dtype === 'float32') && batchNormWasmKernelsActive()) {
    const inputs = { runningMean, runningVar, mean, variance } as unknown as tf.NamedTensorMap;
    const outs = tf.engine().runKernel(BATCH_NORM_MOVING_STATISTICS, inputs, attrs as unknown as tf.NamedAttrMap);
    return outs as [tf.Tensor1D, tf.Tensor1D];
  }
  return tf.tidy(() => [
    tf.add(tf.mul(runningMean, attrs.keep), tf.mul(mean, attrs.meanWeight)),
    tf.add(tf.mul(runningVar, attrs.keep), tf.mul(variance, attrs.varWeight)),
  ]);
}
