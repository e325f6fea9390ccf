import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { CorruptFileError, InvalidArgumentError, NotFittedError, ShapeMismatchError, thresholdAtTpr } from '@hvcm/metrics';
import {
  BaseDetector,
  GroupedGaussianScorer,
  checkGroupedGaussianModel,
  toFeatureMatrix,
  validateLabels,
  type FeatureInput,
  type GroupedGaussianModel,
  type GroupedGaussianScores,
  type GroupedGaussianScorerOptions,
  type GroupedRidgeReport,
  type RidgeOptions,
  type SerializedDetector,
} from '@hvcm/ood-scores';
import { fitHvcmGaussians, type AttributeBatch } from '../fit/fit-hvcm-gaussians';
import { cosineLogits } from './cosine-classifier';
import { packSidecar, readSidecarFile, unpackSidecarArray, verifySidecar, writeFileAtomic, type SidecarIndex } from './sidecar';

/** Options of {@link HvcmScorer}. */
export interface HvcmScorerOptions extends GroupedGaussianScorerOptions {
  /** M, the number of attribute groups. */
  readonly numGroups: number;
  /** d, the size of one group. */
  readonly groupDim: number;
  /** Class group weights `W [K, M]` from training (`HvcmLoss.classGroupWeights`); default uniform `1 / M`. */
  readonly classGroupWeights?: ArrayLike<number>;
  /** Class centers `[K, M, d]` flattened (`HvcmLoss.centers`), for the cosine classifier. */
  readonly centers?: Float32Array;
  /** Ridge policy for singular covariances (added only when needed; reported). */
  readonly ridge?: RidgeOptions;
}

/** Thresholds set on held-out in-distribution data (Eq. 2: accept as ID when `s(x) >= tau`). */
export interface HvcmThresholds {
  /** The target TPR they were set for. */
  readonly targetTpr: number;
  /** Global `tau`. */
  readonly global: number;
  /** `tau_k` per nearest class `[K]`; a class with no held-out sample nearest to it gets the global `tau`. */
  readonly perClass: Float64Array;
  /** Held-out samples whose nearest class was k `[K]`. */
  readonly perClassCount: Float64Array;
}

const KIND = 'hvcm';
const VERSION = 1;

/**
 * The HVCM score as a Detector over attributes `[n, M d]` (DESIGN.md section 3, Eq. 9-11):
 * `s(x) = -min_k sum_j W[k,j] * 0.5 * (a_j - mu[k,j])^T S[k,j]^-1 (a_j - mu[k,j])`, HIGHER = MORE
 * IN-DISTRIBUTION. Scoring reuses @hvcm/ood-scores' {@link GroupedGaussianScorer} (stacked `L^-1`
 * GEMMs). Also: the nearest class and all per-class scores on request, thresholds at a target TPR
 * (global and per nearest class), the cosine classifier over the class centers, and save/load with
 * the large arrays in a binary sidecar (`<file>.bin`, atomic writes, CRC-checked).
 */
export class HvcmScorer extends BaseDetector {
  readonly kind = KIND;
  readonly options: HvcmScorerOptions;
  private fittedModel: GroupedGaussianModel | null = null;
  private report: GroupedRidgeReport | null = null;
  private engine: GroupedGaussianScorer | null = null;
  private centerTensor: tf.Tensor2D | null = null;
  private thresholdValues: HvcmThresholds | null = null;

  constructor(options: HvcmScorerOptions) {
    super();
    for (const key of ['numGroups', 'groupDim'] as const) {
      const v = options[key];
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`HvcmScorer: ${key} must be a positive integer, got ${v}.`);
    }
    this.options = options;
  }

  get numGroups(): number {
    return this.options.numGroups;
  }

  get groupDim(): number {
    return this.options.groupDim;
  }

  /** The fitted class x group Gaussians. */
  get model(): GroupedGaussianModel {
    this.assertFitted('model');
    return this.fittedModel as GroupedGaussianModel;
  }

  /** Ridge used per block at fit time (kept through save/load). */
  get ridgeReport(): GroupedRidgeReport | null {
    return this.report;
  }

  /** Thresholds from {@link HvcmScorer.calibrate} (null before). */
  get thresholds(): HvcmThresholds | null {
    return this.thresholdValues;
  }

  /** Fits on attributes `[n, M d]` of the training set with labels `0..K-1` (the Detector contract). */
  async fit(features: FeatureInput, labels?: Int32Array): Promise<this> {
    const D = this.numGroups * this.groupDim;
    const matrix = await toFeatureMatrix(features, { columns: D, minRows: 2 });
    try {
      const K = validateLabels(labels, matrix.rows);
      const values = await matrix.values();
      return await this.fitStream([{ attributes: values, labels: labels as Int32Array }], K);
    } finally {
      matrix.dispose();
    }
  }

  /** Fits from a stream of attribute batches (the training set run through the model) for K classes. */
  async fitStream(batches: AsyncIterable<AttributeBatch> | Iterable<AttributeBatch>, numClasses: number): Promise<this> {
    const fitted = await fitHvcmGaussians(batches, {
      numClasses,
      numGroups: this.numGroups,
      groupDim: this.groupDim,
      ...(this.options.classGroupWeights !== undefined ? { classGroupWeights: this.options.classGroupWeights } : {}),
      ...(this.options.ridge !== undefined ? { ridge: this.options.ridge } : {}),
    });
    this.install(fitted.model, this.options.centers ?? null);
    this.report = fitted.ridge;
    this.thresholdValues = null;
    return this;
  }

  private install(model: GroupedGaussianModel, centers: Float32Array | null): void {
    checkGroupedGaussianModel(model);
    const D = model.numGroups * model.groupDim;
    if (centers !== null && centers.length !== model.numClasses * D) {
      throw new ShapeMismatchError(`HvcmScorer: centers need K ${model.numClasses} x M*d ${D} = ${model.numClasses * D} values, got ${centers.length}.`);
    }
    this.releaseTensors();
    this.fittedModel = model;
    this.engine = new GroupedGaussianScorer(model, this.options);
    this.centerTensor = centers === null ? null : tf.tensor2d(centers, [model.numClasses, D]);
    this.markFitted();
  }

  /** In-distribution scores `s(x) = -min_k S_k(x)` `[n]`: higher = more in-distribution. */
  async score(features: FeatureInput): Promise<Float32Array> {
    return (await this.scoreDetailed(features)).scores;
  }

  /** Scores and, on request, the nearest class `[n]` and every `S_k(x)` `[n, K]` (a distance: lower = closer). */
  async scoreDetailed(features: FeatureInput, request: { nearestClass?: boolean; classScores?: boolean } = {}): Promise<GroupedGaussianScores> {
    this.assertFitted('score');
    return (this.engine as GroupedGaussianScorer).score(features, request);
  }

  /**
   * Sets `tau` (global) and `tau_k` (per nearest class) so that a `targetTpr` fraction of the given
   * held-out in-distribution attributes is accepted (`thresholdAtTpr` of @hvcm/metrics).
   */
  async calibrate(heldOutId: FeatureInput, targetTpr = 0.95): Promise<HvcmThresholds> {
    const { scores, nearestClass } = await this.scoreDetailed(heldOutId, { nearestClass: true });
    const K = this.model.numClasses;
    const global = thresholdAtTpr(scores, targetTpr);
    const buckets: number[][] = Array.from({ length: K }, () => []);
    (nearestClass as Int32Array).forEach((k, i) => buckets[k]?.push(scores[i] ?? 0));
    const perClass = new Float64Array(K);
    const perClassCount = new Float64Array(K);
    buckets.forEach((bucket, k) => {
      perClassCount[k] = bucket.length;
      perClass[k] = bucket.length > 0 ? thresholdAtTpr(Float64Array.from(bucket), targetTpr) : global;
    });
    this.thresholdValues = { targetTpr, global, perClass, perClassCount };
    return this.thresholdValues;
  }

  /**
   * Accept (1) / reject (0) as in-distribution: `s(x) >= tau`, or `s(x) >= tau_k` of the nearest
   * class with `perClass`. Needs {@link HvcmScorer.calibrate} first.
   */
  async accept(features: FeatureInput, options: { perClass?: boolean } = {}): Promise<Uint8Array> {
    const thresholds = this.thresholdValues;
    if (thresholds === null) throw new NotFittedError('HvcmScorer.accept: call calibrate(heldOutId) first to set the thresholds.');
    const { scores, nearestClass } = await this.scoreDetailed(features, { nearestClass: options.perClass === true });
    return Uint8Array.from(scores, (s, i) => {
      const tau = options.perClass ? (thresholds.perClass[nearestClass?.[i] ?? 0] ?? thresholds.global) : thresholds.global;
      return s >= tau ? 1 : 0;
    });
  }

  /** Cosine classifier over the class centers: predicted class `[n]` (argmax cosine similarity, each group's mean removed: see {@link cosineLogits}). */
  async classify(features: FeatureInput): Promise<Int32Array> {
    this.assertFitted('classify');
    const centers = this.centerTensor;
    if (centers === null) throw new NotFittedError('HvcmScorer.classify: no class centers; pass `centers` (HvcmLoss.centers) in the options.');
    const matrix = await toFeatureMatrix(features, { columns: this.numGroups * this.groupDim });
    try {
      const predicted = tf.tidy(() => tf.argMax(cosineLogits(matrix.tensor, centers, this.numGroups), 1));
      const values = Int32Array.from(await predicted.data());
      predicted.dispose();
      return values;
    } finally {
      matrix.dispose();
    }
  }

  /** Metadata and sidecar bytes: the JSON holds shapes, thresholds and the sidecar's index; the arrays are binary. */
  serialize(): { json: SerializedDetector; sidecar: Uint8Array } {
    const model = this.model;
    const arrays: Record<string, Float32Array | Float64Array> = {
      means: model.means,
      whitening: model.whitening,
      groupWeights: model.groupWeights,
    };
    if (this.centerTensor !== null) arrays.centers = this.centerTensor.dataSync() as Float32Array;
    if (this.report !== null) {
      arrays.ridge = this.report.ridge;
      arrays.ridgeEps = this.report.eps;
      arrays.classCounts = this.report.classCounts;
    }
    if (this.thresholdValues !== null) {
      arrays.thresholdsPerClass = this.thresholdValues.perClass;
      arrays.thresholdsPerClassCount = this.thresholdValues.perClassCount;
    }
    const { bytes, index } = packSidecar(arrays);
    const json: SerializedDetector = {
      kind: KIND,
      version: VERSION,
      numClasses: model.numClasses,
      numGroups: model.numGroups,
      groupDim: model.groupDim,
      ...(this.report !== null
        ? { ridgeSummary: { blocks: this.report.blocks, blocksWithRidge: this.report.blocksWithRidge, maxEps: this.report.maxEps, maxRidge: this.report.maxRidge } }
        : {}),
      ...(this.thresholdValues !== null ? { thresholds: { targetTpr: this.thresholdValues.targetTpr, global: this.thresholdValues.global } } : {}),
      sidecar: index,
    };
    return { json, sidecar: bytes };
  }

  /**
   * The JSON half of {@link HvcmScorer.serialize} (no large arrays: they live in the sidecar, see
   * {@link HvcmScorer.save}); rebuild with `HvcmScorer.fromJSON(json, sidecarBytes)`.
   */
  toJSON(): SerializedDetector {
    return this.serialize().json;
  }

  /** Rebuilds a scorer from its JSON and sidecar bytes; checks magic, size and CRC-32. */
  static fromJSON(json: unknown, sidecar: Uint8Array, options: { path?: string } & GroupedGaussianScorerOptions = {}): HvcmScorer {
    const path = options.path ?? '<memory>';
    if (typeof json !== 'object' || json === null || (json as { kind?: unknown }).kind !== KIND || (json as { version?: unknown }).version !== VERSION) {
      throw new CorruptFileError(path, `expected an HVCM scorer JSON {kind: "${KIND}", version: ${VERSION}}.`);
    }
    const record = json as Record<string, unknown>;
    const int = (key: string): number => {
      const v = record[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new CorruptFileError(path, `field "${key}" must be a positive integer, got ${JSON.stringify(v)}.`);
      return v;
    };
    const K = int('numClasses');
    const M = int('numGroups');
    const d = int('groupDim');
    const index = record.sidecar as SidecarIndex | undefined;
    if (typeof index !== 'object' || index === null || typeof index.arrays !== 'object') throw new CorruptFileError(path, 'missing the "sidecar" index.');
    verifySidecar(sidecar, index, path);
    const read = (name: string) => unpackSidecarArray(sidecar, index, name, path);
    const asFloat64 = (name: string, length: number): Float64Array => {
      const values = read(name);
      if (values.length !== length) throw new CorruptFileError(path, `array "${name}" has ${values.length} values, expected ${length}.`);
      return values instanceof Float64Array ? values : Float64Array.from(values);
    };
    const model: GroupedGaussianModel = {
      numClasses: K,
      numGroups: M,
      groupDim: d,
      means: asFloat64('means', K * M * d),
      whitening: asFloat64('whitening', K * M * d * d),
      groupWeights: asFloat64('groupWeights', K * M),
    };
    const centers = index.arrays.centers ? Float32Array.from(read('centers')) : undefined;
    const { path: _path, ...engineOptions } = options;
    const scorer = new HvcmScorer({ ...engineOptions, numGroups: M, groupDim: d, ...(centers ? { centers } : {}) });
    scorer.install(model, centers ?? null);
    const summary = record.ridgeSummary as { blocks: number; blocksWithRidge: number; maxEps: number; maxRidge: number } | undefined;
    if (summary && index.arrays.ridge) {
      scorer.report = {
        ...summary,
        ridge: asFloat64('ridge', K * M),
        eps: asFloat64('ridgeEps', K * M),
        classCounts: asFloat64('classCounts', K),
      };
    }
    const thresholds = record.thresholds as { targetTpr: number; global: number } | undefined;
    if (thresholds && index.arrays.thresholdsPerClass) {
      scorer.thresholdValues = {
        targetTpr: thresholds.targetTpr,
        global: thresholds.global,
        perClass: asFloat64('thresholdsPerClass', K),
        perClassCount: asFloat64('thresholdsPerClassCount', K),
      };
    }
    return scorer;
  }

  /** Saves `path` (JSON) and `path + '.bin'` (the sidecar), each written atomically (sidecar first). */
  async save(path: string): Promise<void> {
    const { json, sidecar } = this.serialize();
    await writeFileAtomic(`${path}.bin`, sidecar);
    await writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`);
  }

  /** Loads what {@link HvcmScorer.save} wrote. */
  static async load(path: string, options: GroupedGaussianScorerOptions = {}): Promise<HvcmScorer> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new CorruptFileError(path, `cannot read the scorer JSON (${(error as Error).message}).`, { cause: error });
    }
    const sidecar = await readSidecarFile(`${path}.bin`);
    return HvcmScorer.fromJSON(json, sidecar, { ...options, path: `${path}.bin` });
  }

  protected override releaseTensors(): void {
    this.engine?.dispose();
    this.engine = null;
    this.centerTensor?.dispose();
    this.centerTensor = null;
  }
}
