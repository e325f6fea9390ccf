import * as tf from '@tensorflow/tfjs-core';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix, validateLabels } from '../input/feature-matrix';
import { checkSerialized, readNumber } from '../serialization';
import { classStatistics } from './class-statistics';
import { deserializeGaussians, serializeGaussians, type MahalanobisOptions, type RidgeReport } from './mahalanobis';
import { WhitenedGaussianTensors, whitenGaussians, type WhitenedGaussians } from './whitened-gaussians';

/** Options of {@link RelativeMahalanobisDetector} (as Mahalanobis; the ridge applies to both covariances). */
export type RelativeMahalanobisOptions = MahalanobisOptions;

/**
 * Relative Mahalanobis distance: `RMD_c(x) = MD_c(x) - MD_0(x)`, where `MD_c` is the Mahalanobis
 * distance to class `c` under the tied within-class covariance and `MD_0` the distance to a single
 * "background" Gaussian fitted on all training features (global mean, global covariance);
 * `score(x) = -min_c RMD_c(x)`. Ren et al., "A Simple Fix to Mahalanobis Distance for Improving
 * Near-OOD Detection", ICML 2021 workshop (arXiv:2106.09022). Both covariances are maximum-likelihood
 * (divided by N) in float64. Takes features `[n, d]` and labels.
 */
export class RelativeMahalanobisDetector extends BaseDetector<FeatureInput> {
  readonly kind = 'relative-mahalanobis';
  static readonly version = 1;
  private readonly options: RelativeMahalanobisOptions;
  private classes: WhitenedGaussians | undefined;
  private background: WhitenedGaussians | undefined;
  private classTensors: WhitenedGaussianTensors | undefined;
  private backgroundTensors: WhitenedGaussianTensors | undefined;

  constructor(options: RelativeMahalanobisOptions = {}) {
    super();
    this.options = options;
  }

  /** Ridges needed by the class (tied) and background covariances at `fit`. */
  get ridge(): { classes: RidgeReport; background: RidgeReport } | undefined {
    if (!this.classes || !this.background) return undefined;
    return {
      classes: { eps: this.classes.eps, ridge: this.classes.ridge },
      background: { eps: this.background.eps, ridge: this.background.ridge },
    };
  }

  /** Fits class means, the tied covariance and the background Gaussian on features `[n, d]` with labels. */
  async fit(features: FeatureInput, labels?: Int32Array): Promise<this> {
    const matrix = await toFeatureMatrix(features, { minRows: 2 });
    try {
      const classCount = validateLabels(labels, matrix.rows);
      const values = await matrix.values();
      const d = matrix.columns;
      const n = matrix.rows;
      const stats = classStatistics(values, labels as Int32Array, classCount, d);
      const globalMean = stats.all.mean();
      const classes = whitenGaussians(stats.means, stats.withinScatter.map((v) => v / n), globalMean, d, this.options.ridge);
      const background = whitenGaussians(globalMean, stats.all.covariance({ unbiased: false }), globalMean, d, this.options.ridge);
      this.set(classes, background);
    } finally {
      matrix.dispose();
    }
    return this;
  }

  private set(classes: WhitenedGaussians, background: WhitenedGaussians): void {
    this.releaseTensors();
    this.classes = classes;
    this.background = background;
    this.classTensors = new WhitenedGaussianTensors(classes);
    this.backgroundTensors = new WhitenedGaussianTensors(background);
    this.markFitted();
  }

  /**
   * Scores features `[n, d]`: `MD_0(x) - min_c MD_c(x)` (minus the smallest relative distance).
   * Higher = more in-distribution.
   */
  async score(features: FeatureInput): Promise<Float32Array> {
    this.assertFitted('score');
    const classTensors = this.classTensors as WhitenedGaussianTensors;
    const backgroundTensors = this.backgroundTensors as WhitenedGaussianTensors;
    return this.scoreInBatches(
      features,
      { columns: this.classes?.dimension },
      (rows) => {
        const nearest = tf.min(classTensors.squaredDistances(classTensors.whitenRows(rows)), 1);
        const background = tf.squeeze(backgroundTensors.squaredDistances(backgroundTensors.whitenRows(rows)), [1]);
        return tf.sub(background, nearest) as tf.Tensor1D;
      },
      this.options.batchSize,
    );
  }

  toJSON(): SerializedDetector {
    this.assertFitted('toJSON');
    const classes = this.classes as WhitenedGaussians;
    const background = this.background as WhitenedGaussians;
    return {
      kind: this.kind,
      version: RelativeMahalanobisDetector.version,
      dimension: classes.dimension,
      classes: classes.count,
      ...serializeGaussians(classes),
      ...serializeGaussians(background, 'background_'),
    };
  }

  static fromJSON(json: unknown, options: RelativeMahalanobisOptions = {}): RelativeMahalanobisDetector {
    const parsed = checkSerialized(json, 'relative-mahalanobis', RelativeMahalanobisDetector.version);
    const d = readNumber(parsed, 'dimension');
    const detector = new RelativeMahalanobisDetector(options);
    detector.set(deserializeGaussians(parsed, d, readNumber(parsed, 'classes')), deserializeGaussians(parsed, d, 1, 'background_'));
    return detector;
  }

  protected override releaseTensors(): void {
    this.classTensors?.dispose();
    this.backgroundTensors?.dispose();
    this.classTensors = undefined;
    this.backgroundTensors = undefined;
  }
}
