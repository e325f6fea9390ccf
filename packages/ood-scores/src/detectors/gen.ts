import * as tf from '@tensorflow/tfjs-core';
import type { SerializedDetector } from '../detector';
import { checkSerialized, readNumber } from '../serialization';
import { checkInteger, checkPositive } from './check-options';
import { LogitDetector } from './logit-detector';

/** Options of {@link GenDetector}. */
export interface GenOptions {
  /** Exponent `gamma` of the generalized entropy. Default 0.1 (paper and OpenOOD). */
  readonly gamma?: number;
  /** Number `M` of largest probabilities summed; clamped to the number of classes. Default 100 (OpenOOD). */
  readonly topM?: number;
}

/**
 * GEN, the generalized entropy score: `score = -sum_{top M classes} p^gamma (1 - p)^gamma` with
 * `p = softmax(logits)`. Liu, Lochman & Zach, "GEN: Pushing the Limits of Softmax-Based
 * Out-of-Distribution Detection", CVPR 2023. Takes logits `[n, C]`.
 */
export class GenDetector extends LogitDetector {
  readonly kind = 'gen';
  static readonly version = 1;
  readonly gamma: number;
  readonly topM: number;

  constructor(options: GenOptions = {}) {
    super();
    this.gamma = checkPositive('GenDetector', 'gamma', options.gamma ?? 0.1);
    this.topM = checkInteger('GenDetector', 'topM', options.topM ?? 100);
  }

  /** Negative generalized entropy of the top-M probabilities: higher = more in-distribution. */
  protected scoreLogits(logits: tf.Tensor2D): tf.Tensor1D {
    const probabilities = tf.softmax(logits);
    const classes = logits.shape[1];
    const top = this.topM >= classes ? probabilities : tf.topk(probabilities, this.topM).values;
    const gamma = tf.scalar(this.gamma);
    const entropy = tf.sum(tf.mul(tf.pow(top, gamma), tf.pow(tf.relu(tf.sub(tf.scalar(1), top)), gamma)), 1);
    return tf.neg(entropy) as tf.Tensor1D;
  }

  toJSON(): SerializedDetector {
    return { kind: this.kind, version: GenDetector.version, gamma: this.gamma, topM: this.topM };
  }

  static fromJSON(json: unknown): GenDetector {
    const parsed = checkSerialized(json, 'gen', GenDetector.version);
    return new GenDetector({ gamma: readNumber(parsed, 'gamma'), topM: readNumber(parsed, 'topM') });
  }
}
