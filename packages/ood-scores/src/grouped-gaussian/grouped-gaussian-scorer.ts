import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import type { FeatureInput } from '../detector';
import { toFeatureMatrix } from '../input/feature-matrix';
import { checkGroupedGaussianModel, type GroupedGaussianModel } from './grouped-gaussian-model';

/** Options of {@link GroupedGaussianScorer}. */
export interface GroupedGaussianScorerOptions {
  /**
   * Classes stacked into one matMul per group (default: all). Each group/class-block keeps a
   * `[d, classBlock * d]` float32 factor on the backend; smaller blocks bound the `[rows, classBlock * d]`
   * intermediate.
   */
  readonly classBlockSize?: number;
  /**
   * Rows scored per chunk (default: as many as keep the `[rows, classBlock * d]` intermediate near
   * 32M floats, at least 16 and at most 4096, or 1024 with pruning).
   */
  readonly rowsPerChunk?: number;
  /**
   * How the squared whitened residuals are reduced to per-class terms: `'sum'` (reshape to
   * `[n, classes, d]`, sum, scale by `0.5 w`) or `'matmul'` (one extra GEMM with a `[classes d, classes]`
   * matrix holding `0.5 w[k, j]` on class k's rows: fewer memory passes, `classes / d` more FLOPs).
   * Default: `'matmul'` when `d <= 64` (pass-bound sizes), else `'sum'` (GEMM-bound sizes).
   */
  readonly reduction?: 'sum' | 'matmul';
  /**
   * Exact pruning of classes that cannot be the minimum, for `score` without per-class scores
   * (see {@link GroupedGaussianScorer.minimumWithPruning}). `'auto'` (default) prunes when
   * `d >= 128`, where the per-class work it skips outweighs its bookkeeping.
   */
  readonly pruning?: boolean | 'auto';
  /** Groups scored for every class before pruning starts (default 4). */
  readonly seedGroups?: number;
}

/** What {@link GroupedGaussianScorer.score} can return. */
export interface GroupedGaussianScores {
  /** In-distribution scores `-min_k S_k(x)` `[n]`: higher = more in-distribution. */
  readonly scores: Float32Array;
  /** Index of the class at the minimum `[n]` (when asked). */
  readonly nearestClass?: Int32Array;
  /** `S_k(x)` for every class, `[n, K]` row-major (when asked; a distance: LOWER = closer). */
  readonly classScores?: Float32Array;
}

/** One group x class-block slice of the stacked factors. */
interface StackedBlock {
  readonly group: number;
  readonly firstClass: number;
  readonly classes: number;
  /** `[d, classes * d]`: column block c holds `(L^-1_{k j})^T` of class `firstClass + c`. */
  readonly factor: tf.Tensor2D;
  /** `[classes * d]`: `-L^-1 mu` per class (precomputed in float64), the fused matMul's bias. */
  readonly negOffset: tf.Tensor1D;
  /** `[1, classes]`: `0.5 * w[k, j]` (`'sum'` reduction). */
  readonly halfWeight: tf.Tensor2D;
  /** `[classes * d, classes]`: `0.5 * w[k, j]` on class k's d rows (`'matmul'` reduction), else null. */
  readonly reducer: tf.Tensor2D | null;
}

/**
 * The fast, exact scoring engine of class x group Gaussians (DESIGN.md sections 3 and 5). With
 * `S^-1 = L^-T L^-1` factored once, block (k, j)'s Mahalanobis term is `|L^-1 a_j - L^-1 mu|^2`;
 * the `L^-1` of all classes for one group are stacked into one `[d, K d]` matrix so each group is a
 * single 2-D matMul `[n, d] x [d, K d]` (the fast case on every backend: per-class or batched 3-D
 * matMuls ran 4x / 40x slower on wasm), minus the precomputed `L^-1 mu`, squared norms reduced per
 * class, weighted, and summed over groups. Float32 on the active backend; factors are uploaded once.
 */
export class GroupedGaussianScorer {
  readonly numClasses: number;
  readonly numGroups: number;
  readonly groupDim: number;
  readonly classBlockSize: number;
  readonly rowsPerChunk: number;
  readonly reduction: 'sum' | 'matmul';
  readonly pruning: boolean;
  readonly seedGroups: number;
  private readonly blocks: StackedBlock[];
  /** `0.5 w [K, M]` on the host, for the pruned path. */
  private readonly halfWeights: Float64Array;
  /** The model's `L^-1` blocks (a reference, not a copy): the pruned path uploads one class's factor at a time. */
  private readonly whitening: Float64Array;
  /** `-L^-1 mu` per class and group `[K, M, d]` (float32, from float64). */
  private readonly negOffsets: Float32Array;
  private disposed = false;

  constructor(model: GroupedGaussianModel, options: GroupedGaussianScorerOptions = {}) {
    checkGroupedGaussianModel(model);
    const { numClasses: K, numGroups: M, groupDim: d } = model;
    this.numClasses = K;
    this.numGroups = M;
    this.groupDim = d;
    const classBlockSize = options.classBlockSize ?? K;
    if (!Number.isInteger(classBlockSize) || classBlockSize < 1) {
      throw new InvalidArgumentError(`GroupedGaussianScorer: classBlockSize must be a positive integer, got ${classBlockSize}.`);
    }
    this.classBlockSize = Math.min(classBlockSize, K);
    this.reduction = options.reduction ?? (d <= 64 ? 'matmul' : 'sum');
    this.pruning = options.pruning === undefined || options.pruning === 'auto' ? d >= 128 : options.pruning;
    // Large chunks amortise per-call costs (measured at K 100, d 256 on wasm: 1024 rows ran 1.4x
    // faster than 163); the largest intermediate, [rows, classBlock d], stays near 32M floats.
    const targetFloats = 32 * 1024 * 1024;
    const rows = options.rowsPerChunk ?? Math.max(16, Math.min(this.pruning ? 1024 : 4096, Math.floor(targetFloats / (this.classBlockSize * d))));
    if (!Number.isInteger(rows) || rows < 1) {
      throw new InvalidArgumentError(`GroupedGaussianScorer: rowsPerChunk must be a positive integer, got ${rows}.`);
    }
    this.rowsPerChunk = rows;
    const seedGroups = options.seedGroups ?? 4;
    if (!Number.isInteger(seedGroups) || seedGroups < 1) {
      throw new InvalidArgumentError(`GroupedGaussianScorer: seedGroups must be a positive integer, got ${seedGroups}.`);
    }
    this.seedGroups = Math.min(seedGroups, M);
    this.halfWeights = Float64Array.from(model.groupWeights, (w) => 0.5 * w);
    this.whitening = model.whitening;
    this.negOffsets = new Float32Array(K * M * d);
    this.blocks = [];
    for (let j = 0; j < M; j++) {
      for (let first = 0; first < K; first += this.classBlockSize) {
        const classes = Math.min(this.classBlockSize, K - first);
        const width = classes * d;
        const factor = new Float32Array(d * width);
        const offset = new Float32Array(width);
        const halfWeight = new Float32Array(classes);
        const reducer = this.reduction === 'matmul' ? new Float32Array(width * classes) : null;
        for (let c = 0; c < classes; c++) {
          const k = first + c;
          const block = (k * M + j) * d * d;
          const mean = (k * M + j) * d;
          halfWeight[c] = 0.5 * (model.groupWeights[k * M + j] ?? 0);
          for (let r = 0; r < d; r++) {
            let dot = 0;
            for (let t = 0; t <= r; t++) {
              const value = model.whitening[block + r * d + t] ?? 0;
              // factor[t, c d + r] = L^-1[r, t]: column block c is (L^-1)^T
              factor[t * width + c * d + r] = value;
              dot += value * (model.means[mean + t] ?? 0);
            }
            offset[c * d + r] = -dot;
            this.negOffsets[(k * M + j) * d + r] = -dot;
            if (reducer) reducer[(c * d + r) * classes + c] = halfWeight[c] ?? 0;
          }
        }
        this.blocks.push({
          group: j,
          firstClass: first,
          classes,
          factor: tf.tensor2d(factor, [d, width]),
          negOffset: tf.tensor1d(offset),
          halfWeight: tf.tensor2d(halfWeight, [1, classes]),
          reducer: reducer ? tf.tensor2d(reducer, [width, classes]) : null,
        });
      }
    }
  }

  private assertUsable(): void {
    if (this.disposed) throw new InvalidArgumentError('GroupedGaussianScorer: it was disposed; build a new one from the model.');
  }

  /**
   * `S_k(x) = sum_j w[k,j] * 0.5 * |L^-1 (a_j - mu)|^2` for every class: `rows [n, M d]` -> `[n, K]`
   * (a distance: lower = closer), summed over groups `[fromGroup, toGroup)` (default all).
   * Intermediates are freed group by group; the caller disposes the result.
   */
  classScores(rows: tf.Tensor2D, fromGroup = 0, toGroup: number = this.numGroups): tf.Tensor2D {
    this.assertUsable();
    const n = rows.shape[0];
    const d = this.groupDim;
    const parts: tf.Tensor2D[] = [];
    const blocksPerGroup = Math.ceil(this.numClasses / this.classBlockSize);
    for (let b = 0; b < blocksPerGroup; b++) {
      let acc: tf.Tensor2D | null = null;
      for (let j = fromGroup; j < toGroup; j++) {
        const block = this.blocks[j * blocksPerGroup + b];
        if (block === undefined) continue;
        const previous: tf.Tensor2D | null = acc;
        acc = tf.tidy(() => {
          const group = tf.slice(rows, [0, j * d], [n, d]);
          // L^-1 a_j - L^-1 mu for every class of the block: one GEMM with the offset as fused bias
          const whitened = tf.fused.matMul({ a: group, b: block.factor, bias: block.negOffset });
          const squared = tf.square(whitened);
          const weighted: tf.Tensor2D = block.reducer
            ? tf.matMul(squared, block.reducer)
            : (tf.mul(tf.sum(tf.reshape(squared, [n, block.classes, d]), 2), block.halfWeight) as tf.Tensor2D);
          return previous === null ? weighted : (tf.add(previous, weighted) as tf.Tensor2D);
        });
        previous?.dispose();
      }
      if (acc !== null) parts.push(acc);
    }
    if (parts.length === 1) return parts[0] as tf.Tensor2D;
    const all = tf.concat(parts, 1);
    tf.dispose(parts);
    return all;
  }


  /**
   * `(L^-1)^T [d, d]`, `-L^-1 mu [d]` and `0.5 w` of class k, group j. The factor is built on the host
   * and uploaded (a column block of the stacked `[d, K d]` factor would need a strided slice, which
   * costs ~40 ms on wasm against ~0.02 ms for the upload). Caller disposes the tensors.
   */
  private classFactor(k: number, j: number): { factor: tf.Tensor2D; negOffset: tf.Tensor1D; halfWeight: number } {
    const d = this.groupDim;
    const base = (k * this.numGroups + j) * d * d;
    const transposed = new Float32Array(d * d);
    for (let r = 0; r < d; r++) {
      for (let t = 0; t <= r; t++) transposed[t * d + r] = this.whitening[base + r * d + t] ?? 0;
    }
    const offset = (k * this.numGroups + j) * d;
    return {
      factor: tf.tensor2d(transposed, [d, d]),
      negOffset: tf.tensor1d(this.negOffsets.subarray(offset, offset + d)),
      halfWeight: this.halfWeights[k * this.numGroups + j] ?? 0,
    };
  }

  /**
   * `min_k S_k(x)` and its class for `rows [n, M d]` with exact pruning. Every term is `>= 0`, so a
   * partial sum over some groups is a lower bound of `S_k`.
   * (1) The first `seedGroups` groups are scored for every class with the stacked GEMMs; dividing a
   *     class's partial sum by the weight those groups carry (`sum_{j < g0} w[k,j]`) estimates its full
   *     score, and the class with the smallest estimate is each sample's candidate.
   * (2) The candidate is completed (per-class GEMMs on its rows): its score `U_i` bounds the minimum.
   * (3) Every other class adds its remaining groups in decreasing order of its weights, so partial sums
   *     grow fastest; a (sample, class) pair whose partial sum exceeds `U_i (1 + 1e-4)` can never be the
   *     minimum and is dropped.
   * When the seed estimates predict that less than half of the remaining work would be skipped (e.g.
   * samples far from every class), the remaining groups are scored with the stacked GEMMs instead.
   * Either way the result equals the full computation up to float32 rounding (the 1e-4 relative
   * margin keeps rounding from dropping the true minimum).
   */
  async minimumWithPruning(
    rows: tf.Tensor2D,
  ): Promise<{ minimum: Float64Array; argMin: Int32Array; pairsEvaluated: number; mode: 'pruned' | 'full' }> {
    this.assertUsable();
    const n = rows.shape[0];
    const K = this.numClasses;
    const M = this.numGroups;
    const d = this.groupDim;
    const g0 = this.seedGroups;
    const margin = 1 + 1e-4;
    const seed = this.classScores(rows, 0, g0);
    const partial = Float64Array.from(await seed.data());
    seed.dispose();
    // per class: the weight mass of the seed groups, and the remaining groups by decreasing weight
    const seedMass = new Float64Array(K);
    const order: number[][] = [];
    const orderMass: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      let mass = 0;
      for (let j = 0; j < g0; j++) mass += this.halfWeights[k * M + j] ?? 0;
      seedMass[k] = mass;
      const rest = Array.from({ length: M - g0 }, (_, r) => g0 + r).sort(
        (a, b) => (this.halfWeights[k * M + b] ?? 0) - (this.halfWeights[k * M + a] ?? 0),
      );
      order.push(rest);
      orderMass.push(Float64Array.from(rest, (j) => this.halfWeights[k * M + j] ?? 0));
    }
    const estimate = (i: number, k: number): number => {
      const total = (seedMass[k] ?? 0) + (orderMass[k] ?? new Float64Array(0)).reduce((a, b) => a + b, 0);
      const mass = seedMass[k] ?? 0;
      return mass > 0 ? ((partial[i * K + k] ?? 0) * total) / mass : partial[i * K + k] ?? 0;
    };
    const candidate = new Int32Array(n);
    const candidateEstimate = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let arg = 0;
      let value = estimate(i, 0);
      for (let k = 1; k < K; k++) {
        const e = estimate(i, k);
        if (e < value) {
          value = e;
          arg = k;
        }
      }
      candidate[i] = arg;
      candidateEstimate[i] = value;
    }
    if (g0 >= M || this.pruningLooksUseless(partial, candidate, candidateEstimate, seedMass, orderMass, n)) {
      const rest = g0 < M ? this.classScores(rows, g0, M) : null;
      const restValues = rest ? await rest.data() : null;
      rest?.dispose();
      const minimum = new Float64Array(n);
      const argMin = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let arg = 0;
        let min = Number.POSITIVE_INFINITY;
        for (let k = 0; k < K; k++) {
          const value = (partial[i * K + k] ?? 0) + (restValues?.[i * K + k] ?? 0);
          if (value < min) {
            min = value;
            arg = k;
          }
        }
        minimum[i] = min;
        argMin[i] = arg;
      }
      return { minimum, argMin, pairsEvaluated: n * K * M, mode: 'full' };
    }
    const groups: (tf.Tensor2D | null)[] = [];
    for (let j = 0; j < M; j++) groups.push(j < g0 ? null : tf.slice(rows, [0, j * d], [n, d]));
    let pairsEvaluated = n * K * g0;
    const addGroup = async (k: number, rowList: number[], j: number): Promise<void> => {
      if (rowList.length === 0) return;
      const { factor, negOffset, halfWeight } = this.classFactor(k, j);
      const contribution = tf.tidy(() => {
        const group = groups[j] as tf.Tensor2D;
        const sub = rowList.length === n ? group : tf.gather(group, tf.tensor1d(Int32Array.from(rowList), 'int32'));
        const z = tf.fused.matMul({ a: sub, b: factor, bias: negOffset });
        return tf.mul(tf.sum(tf.square(z), 1), halfWeight);
      });
      const values = await contribution.data();
      tf.dispose([contribution, factor, negOffset]);
      rowList.forEach((i, r) => {
        partial[i * K + k] = (partial[i * K + k] ?? 0) + (values[r] ?? 0);
      });
      pairsEvaluated += rowList.length;
    };
    try {
      // (2) complete each sample's candidate: an upper bound of its minimum
      const rowsOfCandidate: number[][] = Array.from({ length: K }, () => []);
      candidate.forEach((k, i) => rowsOfCandidate[k]?.push(i));
      for (let k = 0; k < K; k++) for (const j of order[k] ?? []) await addGroup(k, rowsOfCandidate[k] ?? [], j);
      const bound = new Float64Array(n);
      for (let i = 0; i < n; i++) bound[i] = (partial[i * K + (candidate[i] ?? 0)] ?? 0) * margin;
      // (3) the other classes, heaviest remaining group first, dropping pairs above the bound
      const alive: number[][] = Array.from({ length: K }, (_, k) => {
        const list: number[] = [];
        for (let i = 0; i < n; i++) if (candidate[i] !== k && (partial[i * K + k] ?? 0) <= (bound[i] ?? 0)) list.push(i);
        return list;
      });
      for (let step = 0; step < M - g0; step++) {
        for (let k = 0; k < K; k++) {
          const list = alive[k] ?? [];
          if (list.length === 0) continue;
          await addGroup(k, list, order[k]?.[step] ?? g0);
          alive[k] = list.filter((i) => (partial[i * K + k] ?? 0) <= (bound[i] ?? 0));
        }
      }
      const minimum = new Float64Array(n);
      const argMin = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        minimum[i] = partial[i * K + (candidate[i] ?? 0)] ?? 0;
        argMin[i] = candidate[i] ?? 0;
      }
      // survivors are complete: the smallest complete sum is the minimum (ties: the smaller class index)
      alive.forEach((list, k) => {
        for (const i of list) {
          const value = partial[i * K + k] ?? 0;
          if (value < (minimum[i] ?? 0) || (value === minimum[i] && k < (argMin[i] ?? 0))) {
            minimum[i] = value;
            argMin[i] = k;
          }
        }
      });
      return { minimum, argMin, pairsEvaluated, mode: 'pruned' };
    } finally {
      tf.dispose(groups.filter((g): g is tf.Tensor2D => g !== null));
    }
  }

  /**
   * Predicts whether pruning pays: pair (i, k)'s partial sum is extrapolated as its seed estimate of
   * the full score times the weight mass added so far, and it is predicted to be dropped once that
   * exceeds the candidate's estimate. When more than half of the remaining per-class work would
   * still be done (samples far from every class, classes that are not separated), the stacked GEMMs
   * are faster. Only the speed depends on this prediction, never the result.
   */
  private pruningLooksUseless(
    partial: Float64Array,
    candidate: Int32Array,
    candidateEstimate: Float64Array,
    seedMass: Float64Array,
    orderMass: Float64Array[],
    n: number,
  ): boolean {
    const K = this.numClasses;
    const steps = this.numGroups - this.seedGroups;
    let work = 0;
    for (let i = 0; i < n; i++) {
      const bound = candidateEstimate[i] ?? 0;
      for (let k = 0; k < K; k++) {
        if (k === candidate[i]) {
          work += steps;
          continue;
        }
        const mass = seedMass[k] ?? 0;
        let value = partial[i * K + k] ?? 0;
        const rate = mass > 0 ? value / mass : 0;
        const masses = orderMass[k] ?? new Float64Array(0);
        let step = 0;
        while (step < steps && value <= bound) {
          value += rate * (masses[step] ?? 0);
          step++;
        }
        work += step;
      }
    }
    return work > 0.5 * n * K * steps;
  }

  /**
   * Scores features `[n, M d]` chunk by chunk: in-distribution scores `-min_k S_k(x)` (higher = more
   * in-distribution), and on request the nearest class and all per-class `S_k(x)`.
   */
  async score(features: FeatureInput, request: { nearestClass?: boolean; classScores?: boolean } = {}): Promise<GroupedGaussianScores> {
    this.assertUsable();
    const D = this.numGroups * this.groupDim;
    const matrix = await toFeatureMatrix(features, { columns: D });
    try {
      const n = matrix.rows;
      const K = this.numClasses;
      const scores = new Float32Array(n);
      const nearest = request.nearestClass ? new Int32Array(n) : undefined;
      const perClass = request.classScores ? new Float32Array(n * K) : undefined;
      for (let start = 0; start < n; start += this.rowsPerChunk) {
        const size = Math.min(this.rowsPerChunk, n - start);
        const chunk = start === 0 && size === n ? matrix.tensor : tf.slice(matrix.tensor, [start, 0], [size, D]);
        if (this.pruning && !perClass) {
          const { minimum, argMin } = await this.minimumWithPruning(chunk);
          if (chunk !== matrix.tensor) chunk.dispose();
          for (let i = 0; i < size; i++) scores[start + i] = -(minimum[i] ?? 0);
          nearest?.set(argMin, start);
          continue;
        }
        const distances = this.classScores(chunk);
        if (chunk !== matrix.tensor) chunk.dispose();
        const negMin = tf.tidy(() => tf.neg(tf.min(distances, 1)));
        scores.set(await negMin.data(), start);
        negMin.dispose();
        if (nearest) {
          const argMin = tf.argMin(distances, 1);
          nearest.set(await argMin.data(), start);
          argMin.dispose();
        }
        if (perClass) perClass.set(await distances.data(), start * K);
        distances.dispose();
      }
      return { scores, ...(nearest ? { nearestClass: nearest } : {}), ...(perClass ? { classScores: perClass } : {}) };
    } finally {
      matrix.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    for (const block of this.blocks) tf.dispose([block.factor, block.negOffset, block.halfWeight, ...(block.reducer ? [block.reducer] : [])]);
    this.disposed = true;
  }
}
