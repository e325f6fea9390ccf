import * as tf from '@tensorflow/tfjs-core';
import { NotFittedError } from '@hvcm/metrics';
import type { Detector, FeatureInput, SerializedDetector } from './detector';
import { toFeatureMatrix, type FeatureMatrixOptions } from './input/feature-matrix';

/** Default rows scored per chunk: bounds the size of `[rows, C]`-sized intermediates. */
export const DEFAULT_SCORE_BATCH = 4096;

/**
 * Shared plumbing for detectors: fitted/disposed state, the not-fitted check, and a batched scoring
 * loop that validates the input, runs tensor math chunk by chunk inside `tf.tidy` and downloads
 * only the `[n]` scores.
 */
export abstract class BaseDetector<TInput = FeatureInput> implements Detector<TInput> {
  abstract readonly kind: string;
  private lifecycle: 'unfitted' | 'fitted' | 'disposed' = 'unfitted';

  get fitted(): boolean {
    return this.lifecycle === 'fitted';
  }

  protected markFitted(): void {
    this.lifecycle = 'fitted';
  }

  /** Back to unfitted (a failed re-fit must not leave half-built state looking usable). */
  protected markUnfitted(): void {
    if (this.lifecycle !== 'disposed') this.lifecycle = 'unfitted';
  }

  protected assertFitted(method: string): void {
    if (this.lifecycle === 'disposed') {
      throw new NotFittedError(`${this.kind}.${method}: the detector was disposed; create or load a new one.`);
    }
    if (this.lifecycle !== 'fitted') {
      throw new NotFittedError(`${this.kind}.${method}: call fit() (or fromJSON()) before ${method}().`);
    }
  }

  abstract fit(features: TInput, labels?: Int32Array): Promise<this>;
  abstract score(features: TInput): Promise<Float32Array>;
  abstract toJSON(): SerializedDetector;

  /** Frees held tensors (subclasses release theirs in `releaseTensors`). Safe to call twice. */
  dispose(): void {
    if (this.lifecycle === 'disposed') return;
    this.releaseTensors();
    this.lifecycle = 'disposed';
  }

  /** Subclasses dispose the tensors they hold here. */
  protected releaseTensors(): void {}

  /**
   * Validates `input` and scores it in chunks of `batchSize` rows: `scoreRows` maps a `[b, d]`
   * float32 tensor to `[b]` scores (called inside `tf.tidy`; it may create any intermediates).
   */
  protected async scoreInBatches(
    input: FeatureInput,
    options: FeatureMatrixOptions,
    scoreRows: (rows: tf.Tensor2D) => tf.Tensor1D,
    batchSize: number = DEFAULT_SCORE_BATCH,
  ): Promise<Float32Array> {
    const matrix = await toFeatureMatrix(input, options);
    try {
      const out = new Float32Array(matrix.rows);
      for (let start = 0; start < matrix.rows; start += batchSize) {
        const size = Math.min(batchSize, matrix.rows - start);
        const scores = tf.tidy(() => {
          const rows =
            start === 0 && size === matrix.rows
              ? matrix.tensor
              : tf.slice(matrix.tensor, [start, 0], [size, matrix.columns]);
          return scoreRows(rows);
        });
        const values = await scores.data();
        scores.dispose();
        out.set(values, start);
      }
      return out;
    } finally {
      matrix.dispose();
    }
  }
}
