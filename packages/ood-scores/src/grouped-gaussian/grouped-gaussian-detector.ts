import { InvalidArgumentError, NotFittedError } from '@hvcm/metrics';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { toFeatureMatrix, validateLabels } from '../input/feature-matrix';
import { checkSerialized, readNumber } from '../serialization';
import type { RidgeOptions } from '../linear-algebra/cholesky-with-ridge';
import { ClassGroupMoments } from './class-group-moments';
import { checkGroupedGaussianModel, type GroupedGaussianModel } from './grouped-gaussian-model';
import { GroupedGaussianScorer, type GroupedGaussianScores, type GroupedGaussianScorerOptions } from './grouped-gaussian-scorer';
import type { GroupedRidgeReport } from './ridge-report';
import { base64ToFloat64, float64ToBase64 } from './base64';

/** Options of {@link GroupedGaussianDetector}. */
export interface GroupedGaussianOptions extends GroupedGaussianScorerOptions {
  /** M: the features' `D` columns are split into M contiguous groups of `d = D / M` (default 32, the paper's). */
  readonly numGroups?: number;
  /** Group weights `[M]` (shared by all classes) or `[K, M]`; default uniform `1 / M`. */
  readonly groupWeights?: ArrayLike<number>;
  /** Ridge policy for singular covariances (added only when Cholesky fails, reported in `ridgeReport`). */
  readonly ridge?: RidgeOptions;
}

/**
 * Grouped class-conditional Gaussians: the score of "Hierarchical Visual Categories Modeling: A Joint
 * Representation Learning and Density Estimation Framework for Out-of-Distribution Detection"
 * (HVCM; DESIGN.md section 3) without its training, usable on any features: the
 * features are split into M groups of d; per class k and group j a Gaussian (mean, unbiased
 * covariance, float64, ridge only when needed) is fitted; the score is
 * `s(x) = -min_k sum_j w[k,j] * 0.5 * (a_j - mu_kj)^T S_kj^-1 (a_j - mu_kj)`.
 * HIGHER = MORE IN-DISTRIBUTION. With M = 1 and uniform weights this is class-conditional
 * Mahalanobis with per-class covariances.
 *
 * Scoring uses {@link GroupedGaussianScorer} (stacked `L^-1` GEMMs on the active backend).
 * `toJSON` stores the means and `L^-1` factors as base64 float64 (exact round trip; fine for
 * post-hoc feature sizes, large for the paper's K 100 x M 32 x d 256, where @hvcm/grouped-gmm's
 * binary sidecar is the better container).
 */
export class GroupedGaussianDetector extends BaseDetector {
  readonly kind = 'grouped-gaussian';
  static readonly version = 1;
  readonly options: GroupedGaussianOptions;
  private fittedModel: GroupedGaussianModel | null = null;
  private report: GroupedRidgeReport | null = null;
  private scorer: GroupedGaussianScorer | null = null;

  constructor(options: GroupedGaussianOptions = {}) {
    super();
    const numGroups = options.numGroups ?? 32;
    if (!Number.isInteger(numGroups) || numGroups < 1) {
      throw new InvalidArgumentError(`grouped-gaussian: numGroups must be a positive integer, got ${numGroups}.`);
    }
    this.options = { ...options, numGroups };
  }

  /** The fitted model (means, `L^-1`, weights); throws before `fit`. */
  get model(): GroupedGaussianModel {
    this.assertFitted('model');
    return this.fittedModel as GroupedGaussianModel;
  }

  /** The ridge each block needed at `fit` (null after `fromJSON`: the factors already include it). */
  get ridgeReport(): GroupedRidgeReport | null {
    return this.report;
  }

  /** Fits class x group Gaussians on `features [n, M d]` with `labels` `0..K-1` (>= 2 samples per class). */
  async fit(features: FeatureInput, labels?: Int32Array): Promise<this> {
    const M = this.options.numGroups ?? 32;
    const matrix = await toFeatureMatrix(features, { minRows: 2 });
    try {
      if (matrix.columns % M !== 0) {
        throw new InvalidArgumentError(
          `grouped-gaussian: features have ${matrix.columns} columns, not a multiple of numGroups ${M}. Choose M dividing the feature width.`,
        );
      }
      const K = validateLabels(labels, matrix.rows);
      const moments = new ClassGroupMoments(K, M, matrix.columns / M);
      moments.add(await matrix.values(), labels as Int32Array);
      const fitted = moments.finish({
        ...(this.options.groupWeights !== undefined ? { groupWeights: this.options.groupWeights } : {}),
        ...(this.options.ridge !== undefined ? { ridge: this.options.ridge } : {}),
      });
      this.install(fitted.model);
      this.report = fitted.ridge;
    } finally {
      matrix.dispose();
    }
    return this;
  }

  private install(model: GroupedGaussianModel): void {
    this.scorer?.dispose();
    this.fittedModel = model;
    this.scorer = new GroupedGaussianScorer(model, this.options);
    this.markFitted();
  }

  /** In-distribution scores `-min_k S_k(x)` `[n]`: higher = more in-distribution. */
  async score(features: FeatureInput): Promise<Float32Array> {
    return (await this.scoreDetailed(features)).scores;
  }

  /** Scores plus, on request, the nearest class and every `S_k(x)` (`[n, K]`, lower = closer). */
  async scoreDetailed(features: FeatureInput, request: { nearestClass?: boolean; classScores?: boolean } = {}): Promise<GroupedGaussianScores> {
    this.assertFitted('score');
    if (this.scorer === null) throw new NotFittedError('grouped-gaussian.score: call fit() first.');
    return this.scorer.score(features, request);
  }

  toJSON(): SerializedDetector {
    const model = this.model;
    return {
      kind: this.kind,
      version: GroupedGaussianDetector.version,
      numClasses: model.numClasses,
      numGroups: model.numGroups,
      groupDim: model.groupDim,
      encoding: 'base64-float64-le',
      means: float64ToBase64(model.means),
      whitening: float64ToBase64(model.whitening),
      groupWeights: float64ToBase64(model.groupWeights),
      ...(this.options.classBlockSize !== undefined ? { classBlockSize: this.options.classBlockSize } : {}),
      ...(this.options.rowsPerChunk !== undefined ? { rowsPerChunk: this.options.rowsPerChunk } : {}),
    };
  }

  static fromJSON(json: unknown): GroupedGaussianDetector {
    const record = checkSerialized(json, 'grouped-gaussian', GroupedGaussianDetector.version);
    const K = readNumber(record, 'numClasses');
    const M = readNumber(record, 'numGroups');
    const d = readNumber(record, 'groupDim');
    const model: GroupedGaussianModel = {
      numClasses: K,
      numGroups: M,
      groupDim: d,
      means: base64ToFloat64(record.means, K * M * d, 'grouped-gaussian.fromJSON: means'),
      whitening: base64ToFloat64(record.whitening, K * M * d * d, 'grouped-gaussian.fromJSON: whitening'),
      groupWeights: base64ToFloat64(record.groupWeights, K * M, 'grouped-gaussian.fromJSON: groupWeights'),
    };
    checkGroupedGaussianModel(model);
    const detector = new GroupedGaussianDetector({
      numGroups: M,
      ...(typeof record.classBlockSize === 'number' ? { classBlockSize: record.classBlockSize } : {}),
      ...(typeof record.rowsPerChunk === 'number' ? { rowsPerChunk: record.rowsPerChunk } : {}),
    });
    detector.install(model);
    return detector;
  }

  /** A detector over an already fitted model (e.g. HVCM's, whose weights come from training). */
  static fromModel(model: GroupedGaussianModel, options: GroupedGaussianScorerOptions = {}): GroupedGaussianDetector {
    checkGroupedGaussianModel(model);
    const detector = new GroupedGaussianDetector({ ...options, numGroups: model.numGroups });
    detector.install(model);
    return detector;
  }

  protected override releaseTensors(): void {
    this.scorer?.dispose();
    this.scorer = null;
  }
}
