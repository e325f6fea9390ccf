import * as tf from '@tensorflow/tfjs-core';
import type { SerializedDetector } from '../detector';
import { checkSerialized } from '../serialization';
import { LogitDetector } from './logit-detector';

/**
 * Maximum logit: `score = max_c logits_c`.
 * Hendrycks et al., "Scaling Out-of-Distribution Detection for Real-World Settings", ICML 2022.
 * Takes logits `[n, C]`; no fitting needed.
 */
export class MaxLogitDetector extends LogitDetector {
  readonly kind = 'max-logit';
  static readonly version = 1;

  /** Largest logit per row: higher = more in-distribution. */
  protected scoreLogits(logits: tf.Tensor2D): tf.Tensor1D {
    return tf.max(logits, 1) as tf.Tensor1D;
  }

  toJSON(): SerializedDetector {
    return { kind: this.kind, version: MaxLogitDetector.version };
  }

  static fromJSON(json: unknown): MaxLogitDetector {
    checkSerialized(json, 'max-logit', MaxLogitDetector.version);
    return new MaxLogitDetector();
  }
}
