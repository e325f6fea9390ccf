import type * as tf from '@tensorflow/tfjs-core';
import { BaseDetector } from '../base-detector';
import type { FeatureInput } from '../detector';
import { toFeatureMatrix } from '../input/feature-matrix';

/**
 * Base of detectors that score logits `[n, C]` directly and learn nothing from training data: they
 * are usable at once, and `fit` only validates what it is given.
 */
export abstract class LogitDetector extends BaseDetector<FeatureInput> {
  constructor() {
    super();
    this.markFitted();
  }

  /** Nothing to learn; validates `logits` `[n, C]` when given and returns `this`. */
  async fit(logits?: FeatureInput): Promise<this> {
    this.assertFitted('fit');
    if (logits !== undefined) (await toFeatureMatrix(logits, { name: 'logits' })).dispose();
    return this;
  }

  /** In-distribution scores `[n]` for logits `[n, C]`: higher = more in-distribution. */
  async score(logits: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    return this.scoreInBatches(logits, { name: 'logits' }, (rows) => this.scoreLogits(rows));
  }

  /** `[b, C]` logits -> `[b]` scores, inside `tf.tidy`. */
  protected abstract scoreLogits(logits: tf.Tensor2D): tf.Tensor1D;
}
