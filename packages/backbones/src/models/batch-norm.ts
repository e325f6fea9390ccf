import * as tf from '@tensorflow/tfjs-core';

import { movingStatistics } from '../kernels/batch-norm-ops';
import { normalizeWithBatchStatistics } from './batch-norm-training-op';
import type { VariableStore } from './variable-store';

/** Variables of one BatchNorm over `C` channels (torchvision names: weight, bias, running_mean, running_var). */
export interface BatchNormVariables {
  /** gamma `[C]`, trainable, init 1. */
  readonly weight: tf.Variable;
  /** beta `[C]`, trainable, init 0. */
  readonly bias: tf.Variable;
  /** Moving mean `[C]`, buffer, init 0. */
  readonly runningMean: tf.Variable;
  /** Moving (unbiased) variance `[C]`, buffer, init 1. */
  readonly runningVar: tf.Variable;
}

/** Settings shared by every BatchNorm of a model; PyTorch's defaults. */
export interface BatchNormSettings {
  /** Weight of the new batch statistic in the moving average (PyTorch `momentum`, default 0.1). */
  readonly momentum: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly epsilon: number;
}

export function createBatchNorm(
  store: VariableStore,
  name: string,
  channels: number,
  zeroInitWeight = false,
): BatchNormVariables {
  return {
    weight: store.parameter(`${name}.weight`, zeroInitWeight ? tf.zeros([channels]) : tf.ones([channels])),
    bias: store.parameter(`${name}.bias`, tf.zeros([channels])),
    runningMean: store.buffer(`${name}.running_mean`, tf.zeros([channels])),
    runningVar: store.buffer(`${name}.running_var`, tf.ones([channels])),
  };
}

/**
 * Training-mode BatchNorm of NHWC `x` `[n, h, w, C]`: normalises with the batch's own (biased) statistics
 * over `n, h, w` (one op with a hand-written gradient, see `normalizeWithBatchStatistics`). When
 * `updateStatistics` is set, the moving statistics move towards the batch ones as PyTorch does:
 * `running = (1 - m) running + m batch`, using the unbiased batch variance `var * N / (N - 1)`, `N = n h w`.
 * With `relu`, returns `max(y, 0)` from the same op (one fused kernel on `wasm`).
 */
export function batchNormTraining(
  x: tf.Tensor4D,
  bn: BatchNormVariables,
  settings: BatchNormSettings,
  updateStatistics: boolean,
  relu = false,
): tf.Tensor4D {
  const { y, mean, variance } = normalizeWithBatchStatistics(
    x,
    bn.weight as tf.Tensor1D,
    bn.bias as tf.Tensor1D,
    settings.epsilon,
    relu,
  );
  if (updateStatistics) {
    const [n, h, w] = x.shape;
    const [runningMean, runningVar] = [bn.runningMean as tf.Tensor1D, bn.runningVar as tf.Tensor1D];
    const [newMean, newVar] = movingStatistics(runningMean, runningVar, mean, variance, settings.momentum, n * h * w);
    bn.runningMean.assign(newMean);
    bn.runningVar.assign(newVar);
    tf.dispose([newMean, newVar]);
  }
  mean.dispose();
  variance.dispose();
  return y;
}

/**
 * Folds an inference BatchNorm into the preceding (bias-free) convolution: with
 * `s = gamma / sqrt(var + eps)`, `conv(x, W) * s + (beta - mean * s) = conv(x, W * s) + b`.
 * Returns the scaled filter `[kh, kw, cin, C]` and the bias `[C]`.
 */
export function foldBatchNorm(
  filter: tf.Tensor4D,
  bn: BatchNormVariables,
  settings: BatchNormSettings,
): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.mul(bn.weight, tf.rsqrt(tf.add(bn.runningVar, settings.epsilon))) as tf.Tensor1D;
    return {
      filter: tf.mul(filter, scale) as tf.Tensor4D,
      bias: tf.sub(bn.bias, tf.mul(bn.runningMean, scale)) as tf.Tensor1D,
    };
  });
}
