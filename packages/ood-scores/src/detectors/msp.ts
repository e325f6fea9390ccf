import * as tf from '@tensorflow/tfjs-core';
import type { SerializedDetector } from '../detector';
import { checkSerialized } from '../serialization';
import { LogitDetector } from './logit-detector';

/**
 * Maximum softmax probability (MSP): `score = max_c softmax(logits)_c`.
 * Hendrycks & Gimpel, "A Baseline for Detecting Misclassified and Out-of-Distribution Examples in
 * Neural Networks", ICLR 2017. Takes logits `[n, C]`; no fitting needed.
 */
export class MspDetector extends LogitDetector {
  readonly kind = 'msp';
  static readonly version = 1;

  /** Maximum softmax probability per row, in (0, 1]: higher = more in-distribution. */
  protected scoreLogits(logits: tf.Tensor2D): tf.Tensor1D {
    return tf.max(tf.softmax(logits), 1) as tf.Tensor1D;
  }

  toJSON(): SerializedDetector {
    return { kind: this.kind, version: MspDetector.version };
  }

  static fromJSON(json: unknown): MspDetector {
    checkSerialized(json, 'msp', MspDetector.version);
    return new MspDetector();
  }
}
