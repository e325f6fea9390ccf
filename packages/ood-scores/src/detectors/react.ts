import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix } from '../input/feature-matrix';
import { readLinearLayer, type LinearLayer, type LinearLayerValues } from '../input/linear-layer';
import { checkSerialized, readNumber, readNumbers, toNumbers } from '../serialization';
import { percentile } from '../statistics/percentile';
import { checkPositive } from './check-options';
import { energyScore } from './energy';

/** Options of {@link ReactDetector}. */
export interface ReactOptions {
  /** The final linear layer `{weight [d, C], bias [C]}` that maps features to logits. Required. */
  readonly linear: LinearLayer;
  /** Percentile (0..100) of all training activations used as the clipping threshold. Default 90 (paper, OpenOOD). */
  readonly percentile?: number;
  /** Energy temperature. Default 1. */
  readonly temperature?: number;
  /** Rows scored per chunk. Default 4096. */
  readonly batchSize?: number;
}

/**
 * ReAct, rectified activations: clip penultimate features at `c`, the `percentile`-th percentile
 * of all training activations, then score the energy of the clipped features' logits:
 * `score(x) = T * logsumexp((min(x, c) @ W + b) / T)`. Sun, Guo & Li, "ReAct: Out-of-distribution
 * Detection With Rectified Activations", NeurIPS 2021. Takes features `[n, d]` and the final linear
 * layer; `fit` needs only training features (no labels).
 */
export class ReactDetector extends BaseDetector<FeatureInput> {
  readonly kind = 'react';
  static readonly version = 1;
  readonly percentile: number;
  readonly temperature: number;
  private readonly linearInput: LinearLayer | undefined;
  private readonly batchSize: number | undefined;
  private state: { threshold: number; linear: LinearLayerValues } | undefined;
  private tensors: { weight: tf.Tensor2D; bias: tf.Tensor1D } | undefined;

  constructor(options: ReactOptions) {
    super();
    if (!options?.linear) {
      throw new InvalidArgumentError(
        'ReactDetector: needs the final linear layer {weight: [d, C], bias: [C]} in its options (option "linear").',
      );
    }
    this.linearInput = options.linear;
    this.percentile = checkPositive('ReactDetector', 'percentile', options?.percentile ?? 90, true);
    this.temperature = checkPositive('ReactDetector', 'temperature', options?.temperature ?? 1);
    this.batchSize = options?.batchSize;
  }

  /** The clipping threshold found by `fit`. */
  get threshold(): number | undefined {
    return this.state?.threshold;
  }

  /** Sets the clipping threshold to the percentile of all values of training features `[n, d]`. */
  async fit(features: FeatureInput): Promise<this> {
    const matrix = await toFeatureMatrix(features);
    try {
      const linear = await readLinearLayer(this.linearInput, 'ReactDetector', matrix.columns);
      this.set(percentile(await matrix.values(), this.percentile), linear);
    } finally {
      matrix.dispose();
    }
    return this;
  }

  private set(threshold: number, linear: LinearLayerValues): void {
    this.releaseTensors();
    this.state = { threshold, linear };
    this.tensors = {
      weight: tf.tensor2d(linear.weight, [linear.inputs, linear.outputs]),
      bias: tf.tensor1d(linear.bias),
    };
    this.markFitted();
  }

  /** Scores features `[n, d]`: energy of the logits of the clipped features. Higher = more in-distribution. */
  async score(features: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    const { threshold, linear } = this.state as { threshold: number; linear: LinearLayerValues };
    const { weight, bias } = this.tensors as { weight: tf.Tensor2D; bias: tf.Tensor1D };
    return this.scoreInBatches(
      features,
      { columns: linear.inputs },
      (rows) => {
        const clipped = tf.minimum(rows, tf.scalar(threshold));
        const logits = tf.add(tf.matMul(clipped, weight), bias) as tf.Tensor2D;
        return energyScore(logits, this.temperature);
      },
      this.batchSize,
    );
  }

  toJSON(): SerializedDetector {
    this.assertFitted('toJSON');
    const { threshold, linear } = this.state as { threshold: number; linear: LinearLayerValues };
    return {
      kind: this.kind,
      version: ReactDetector.version,
      percentile: this.percentile,
      temperature: this.temperature,
      threshold,
      inputs: linear.inputs,
      outputs: linear.outputs,
      weight: toNumbers(linear.weight),
      bias: toNumbers(linear.bias),
    };
  }

  static fromJSON(json: unknown, options: { batchSize?: number } = {}): ReactDetector {
    const parsed = checkSerialized(json, 'react', ReactDetector.version);
    const inputs = readNumber(parsed, 'inputs');
    const outputs = readNumber(parsed, 'outputs');
    const weight = Float32Array.from(readNumbers(parsed, 'weight', inputs * outputs));
    const bias = Float32Array.from(readNumbers(parsed, 'bias', outputs));
    const detector = new ReactDetector({
      linear: { weight: { data: weight, shape: [inputs, outputs] }, bias },
      percentile: readNumber(parsed, 'percentile'),
      temperature: readNumber(parsed, 'temperature'),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
    detector.set(readNumber(parsed, 'threshold'), { weight, bias, inputs, outputs });
    return detector;
  }

  protected override releaseTensors(): void {
    if (this.tensors) tf.dispose([this.tensors.weight, this.tensors.bias]);
    this.tensors = undefined;
  }
}
