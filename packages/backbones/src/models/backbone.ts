import type * as tf from '@tensorflow/tfjs-core';

import type { ResNetSpec } from './resnet-spec';

/** Options every registered backbone accepts; unset ones take the registry entry's defaults. */
export interface BackboneOptions {
  /** Classes of the optional linear head; 0 (default) gives features only. */
  numClasses?: number;
  /** Image channels (3 RGB, 1 grayscale). */
  inputChannels?: number;
  /** Nominal square input side used for FLOP counts and shape checks of `inputShape`; any size runs. */
  inputSize?: number;
  /** Base width of each stage (small ResNets only change this; e.g. `[16, 32, 64]`). */
  widths?: readonly number[];
  /** Residual blocks per stage, same length as `widths`. */
  blocksPerStage?: readonly number[];
  /** Output channels of the stem convolution. */
  stemWidth?: number;
  /** Seed for the initial weights; equal seeds give equal weights on the same backend. */
  seed?: number;
  /** Start each block's last BatchNorm at gamma 0 (torchvision `zero_init_residual`, default false). */
  zeroInitResidual?: boolean;
  /** PyTorch-style BatchNorm momentum (weight of the new batch statistic), default 0.1. */
  batchNormMomentum?: number;
  /** BatchNorm epsilon, default 1e-5. */
  batchNormEpsilon?: number;
}

/** Options after defaults are applied: what a weight file records. */
export interface ResolvedBackboneOptions {
  readonly numClasses: number;
  readonly inputChannels: number;
  readonly inputSize: number;
  readonly widths: readonly number[];
  readonly blocksPerStage: readonly number[];
  readonly stemWidth: number;
  readonly seed: number | null;
  readonly zeroInitResidual: boolean;
  readonly batchNormMomentum: number;
  readonly batchNormEpsilon: number;
}

export interface ForwardOptions {
  /**
   * `true`: BatchNorm uses the batch's statistics (and, by default, updates its moving statistics);
   * `false` (default): BatchNorm uses the moving statistics.
   */
  training?: boolean;
  /** Whether a training forward updates the BatchNorm moving statistics (default: `training`). */
  updateStatistics?: boolean;
}

// A type alias, not an interface, so that it is a `tf.TensorContainer` and can be returned from `tf.tidy`.
export type BackboneOutput = {
  /** Penultimate (globally average-pooled) features `[n, E]`. */
  features: tf.Tensor2D;
  /** Head output `[n, numClasses]`; present only when `numClasses > 0`. */
  logits?: tf.Tensor2D;
};

/** An inference-only copy of a backbone with BatchNorm folded into the convolutions. */
export interface FoldedBackbone {
  /** Same as the source's `forward(x, { training: false })` up to float rounding; NHWC `x` `[n, h, w, c]`. */
  forward(x: tf.Tensor4D): BackboneOutput;
  /** Frees the folded filters and biases (the source backbone is untouched). */
  dispose(): void;
}

/**
 * A feature extractor with explicit, named variables. `parameters` are trainable (`tf.Variable`s with
 * `trainable: true`, ordered as created, torchvision names such as `layer1.0.conv1.weight`); `buffers`
 * are BatchNorm moving statistics (`*.running_mean`, `*.running_var`). Layouts are TensorFlow's: conv
 * filters `[kh, kw, in, out]`, head weight `[E, numClasses]`.
 */
export interface Backbone {
  /** Registry name, e.g. `resnet18`. */
  readonly name: string;
  readonly options: ResolvedBackboneOptions;
  readonly spec: ResNetSpec;
  /** E, the dimension of `features`. */
  readonly featureDim: number;
  readonly numClasses: number;
  /** `[inputSize, inputSize, inputChannels]`, the nominal input of one image (NHWC). */
  readonly inputShape: readonly [number, number, number];
  readonly parameters: ReadonlyMap<string, tf.Variable>;
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /**
   * Runs NHWC images `x` `[n, h, w, inputChannels]` (any h, w the strides allow). Returns new tensors that
   * the caller owns; all intermediates are freed. Differentiable with `tf.variableGrads` in training mode.
   */
  forward(x: tf.Tensor4D, options?: ForwardOptions): BackboneOutput;
  /** Number of trainable scalars (PyTorch's `sum(p.numel() for p in model.parameters())`). */
  parameterCount(): number;
  /** Snapshot with BatchNorm folded into the convolutions, for faster inference. Re-fold after training. */
  fold(): FoldedBackbone;
  /** Frees every variable. */
  dispose(): void;
}
