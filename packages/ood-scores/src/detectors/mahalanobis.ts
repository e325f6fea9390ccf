import * as tf from '@tensorflow/tfjs-core';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix, validateLabels } from '../input/feature-matrix';
import type { RidgeOptions } from '../linear-algebra/cholesky-with-ridge';
import { checkSerialized, readNumber, readNumbers, toNumbers } from '../serialization';
import { classStatistics } from './class-statistics';
import { WhitenedGaussianTensors, whitenGaussians, type WhitenedGaussians } from './whitened-gaussians';

/** Options of {@link MahalanobisDetector}. */
export interface MahalanobisOptions {
  /** Ridge added to the tied covariance only if it is singular (`eps * trace/d * I`, reported in `ridge`). */
  readonly ridge?: RidgeOptions;
  /** Rows scored per chunk. Default 4096. */
  readonly batchSize?: number;
}

/** The ridge a fitted detector's covariance needed: `eps` relative, `ridge` absolute (0 when none). */
export interface RidgeReport {
  readonly eps: number;
  readonly ridge: number;
}

export function serializeGaussians(g: WhitenedGaussians, prefix = ''): Record<string, unknown> {
  return {
    [`${prefix}center`]: toNumbers(g.center),
    [`${prefix}whiten`]: toNumbers(g.whiten),
    [`${prefix}means`]: toNumbers(g.means),
    [`${prefix}eps`]: g.eps,
    [`${prefix}ridge`]: g.ridge,
  };
}

export function deserializeGaussians(json: SerializedDetector, d: number, count: number, prefix = ''): WhitenedGaussians {
  return {
    center: Float32Array.from(readNumbers(json, `${prefix}center`, d)),
    whiten: Float32Array.from(readNumbers(json, `${prefix}whiten`, d * d)),
    means: Float32Array.from(readNumbers(json, `${prefix}means`, count * d)),
    dimension: d,
    count,
    eps: readNumber(json, `${prefix}eps`),
    ridge: readNumber(json, `${prefix}ridge`),
  };
}

/**
 * Mahalanobis detector: Gaussian class-conditional densities with one tied covariance,
 * `score(x) = -min_c (x - mu_c)^T S^-1 (x - mu_c)`, with `mu_c` the class means and `S` the
 * maximum-likelihood pooled within-class covariance (`1/N sum_c sum_{i in c} (x_i - mu_c)(x_i - mu_c)^T`).
 * Lee, Lee, Lee & Shin, "A Simple Unified Framework for Detecting Out-of-Distribution Samples and
 * Adversarial Attacks", NeurIPS 2018 (its confidence score without input pre-processing or layer
 * ensembles, as OpenOOD's MDS). Fitted in float64; scored by whitening with `L^-T` (`S = L L^T`)
 * and one matMul against the whitened means. Takes features `[n, d]` and labels.
 */
export class MahalanobisDetector extends BaseDetector<FeatureInput> {
  readonly kind = 'mahalanobis';
  static readonly version = 1;
  private readonly options: MahalanobisOptions;
  private gaussians: WhitenedGaussians | undefined;
  private tensors: WhitenedGaussianTensors | undefined;

  constructor(options: MahalanobisOptions = {}) {
    super();
    this.options = options;
  }

  /** Ridge the covariance needed at `fit` (0 when it was positive definite). */
  get ridge(): RidgeReport | undefined {
    return this.gaussians && { eps: this.gaussians.eps, ridge: this.gaussians.ridge };
  }

  /** Fits class means and the tied covariance on features `[n, d]` with labels `0..C-1`. */
  async fit(features: FeatureInput, labels?: Int32Array): Promise<this> {
    const matrix = await toFeatureMatrix(features, { minRows: 2 });
    try {
      const classes = validateLabels(labels, matrix.rows);
      const values = await matrix.values();
      const d = matrix.columns;
      const stats = classStatistics(values, labels as Int32Array, classes, d);
      const covariance = stats.withinScatter.map((v) => v / matrix.rows);
      this.setGaussians(whitenGaussians(stats.means, covariance, stats.all.mean(), d, this.options.ridge));
    } finally {
      matrix.dispose();
    }
    return this;
  }

  private setGaussians(gaussians: WhitenedGaussians): void {
    this.tensors?.dispose();
    this.gaussians = gaussians;
    this.tensors = new WhitenedGaussianTensors(gaussians);
    this.markFitted();
  }

  /**
   * Scores features `[n, d]`: minus the squared Mahalanobis distance to the nearest class mean.
   * Higher = more in-distribution.
   */
  async score(features: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    const tensors = this.tensors as WhitenedGaussianTensors;
    return this.scoreInBatches(
      features,
      { columns: this.gaussians?.dimension },
      (rows) => tf.neg(tf.min(tensors.squaredDistances(tensors.whitenRows(rows)), 1)) as tf.Tensor1D,
      this.options.batchSize,
    );
  }

  toJSON(): SerializedDetector {
    this.assertFitted('toJSON');
    const g = this.gaussians as WhitenedGaussians;
    return {
      kind: this.kind,
      version: MahalanobisDetector.version,
      dimension: g.dimension,
      classes: g.count,
      ...serializeGaussians(g),
    };
  }

  static fromJSON(json: unknown, options: MahalanobisOptions = {}): MahalanobisDetector {
    const parsed = checkSerialized(json, 'mahalanobis', MahalanobisDetector.version);
    const detector = new MahalanobisDetector(options);
    detector.setGaussians(deserializeGaussians(parsed, readNumber(parsed, 'dimension'), readNumber(parsed, 'classes')));
    return detector;
  }

  protected override releaseTensors(): void {
    this.tensors?.dispose();
    this.tensors = undefined;
  }
}
