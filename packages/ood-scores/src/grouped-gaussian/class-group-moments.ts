import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { RunningMoments } from '../linear-algebra/running-moments';
import { choleskyWithRidge, type RidgeOptions } from '../linear-algebra/cholesky-with-ridge';
import { inverseLower } from '../linear-algebra/inverse';
import { uniformGroupWeights, expandGroupWeights, type GroupedGaussianModel } from './grouped-gaussian-model';
import type { GroupedRidgeReport } from './ridge-report';

/** Options of {@link ClassGroupMoments.finish}. */
export interface FinishGroupedGaussianOptions {
  /** Group weights `[M]` or `[K, M]` (default uniform `1 / M`). */
  readonly groupWeights?: ArrayLike<number>;
  /** Ridge policy of the Cholesky factorisation (see `choleskyWithRidge`; added only when needed). */
  readonly ridge?: RidgeOptions;
}

/** A fitted model and the ridge each block needed. */
export interface FittedGroupedGaussians {
  readonly model: GroupedGaussianModel;
  readonly ridge: GroupedRidgeReport;
}

/**
 * Streaming per class x group mean and unbiased covariance in float64 (one `RunningMoments` per
 * block, numerically stable), fed batch by batch: `add(features [n, M*d], labels [n])`. `finish()`
 * factors every covariance with Cholesky (ridge only when needed, reported) and returns `L^-1`.
 * Memory: `K * M * d * d * 8` bytes for the accumulators (1.7 GB at K 100, M 32, d 256).
 */
export class ClassGroupMoments {
  readonly numClasses: number;
  readonly numGroups: number;
  readonly groupDim: number;
  private readonly blocks: RunningMoments[];
  private groupBuffer = new Float64Array(0);

  constructor(numClasses: number, numGroups: number, groupDim: number) {
    for (const [name, v] of [['numClasses', numClasses], ['numGroups', numGroups], ['groupDim', groupDim]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`ClassGroupMoments: ${name} must be a positive integer, got ${v}.`);
    }
    this.numClasses = numClasses;
    this.numGroups = numGroups;
    this.groupDim = groupDim;
    this.blocks = Array.from({ length: numClasses * numGroups }, () => new RunningMoments(groupDim));
  }

  /** Samples seen for class `k`. */
  count(k: number): number {
    return this.blocks[k * this.numGroups]?.count ?? 0;
  }

  /** Adds a batch: `features` `[n, M*d]` row-major, `labels` `[n]` in `[0, K)`. Returns `this`. */
  add(features: Float32Array | Float64Array, labels: ArrayLike<number>): this {
    const { numClasses: K, numGroups: M, groupDim: d } = this;
    const D = M * d;
    const n = labels.length;
    if (features.length !== n * D) {
      throw new ShapeMismatchError(`ClassGroupMoments.add: expected features [${n}, ${D}] (${n * D} values) for ${n} labels, got ${features.length} values.`);
    }
    const rowsOfClass: number[][] = Array.from({ length: K }, () => []);
    for (let i = 0; i < n; i++) {
      const y = labels[i] ?? -1;
      if (!Number.isInteger(y) || y < 0 || y >= K) throw new InvalidArgumentError(`ClassGroupMoments.add: label ${y} at index ${i} is outside [0, ${K}).`);
      rowsOfClass[y]?.push(i);
    }
    // Group j of every row, contiguous ([n, d]), so each block's accumulator reads plain rows.
    if (this.groupBuffer.length < n * d) this.groupBuffer = new Float64Array(n * d);
    const group = this.groupBuffer;
    for (let j = 0; j < M; j++) {
      for (let i = 0; i < n; i++) {
        const src = i * D + j * d;
        for (let t = 0; t < d; t++) group[i * d + t] = features[src + t] ?? 0;
      }
      const view = group.subarray(0, n * d);
      for (let k = 0; k < K; k++) {
        const rows = rowsOfClass[k] ?? [];
        if (rows.length > 0) this.blocks[k * M + j]?.add(view, rows);
      }
    }
    return this;
  }

  /** Mean `[d]` of class k, group j (float64 copy). */
  mean(k: number, j: number): Float64Array {
    return this.block(k, j).mean();
  }

  /** Unbiased covariance `[d, d]` of class k, group j (float64). */
  covariance(k: number, j: number): Float64Array {
    return this.block(k, j).covariance({ unbiased: true });
  }

  private block(k: number, j: number): RunningMoments {
    const block = this.blocks[k * this.numGroups + j];
    if (block === undefined) throw new InvalidArgumentError(`ClassGroupMoments: block [${k}, ${j}] is outside [${this.numClasses}, ${this.numGroups}].`);
    return block;
  }

  /**
   * Factors every block: Cholesky of the unbiased covariance with a ridge only when needed, then
   * `L^-1`. Every class needs >= 2 samples (an unbiased covariance is undefined below that).
   */
  finish(options: FinishGroupedGaussianOptions = {}): FittedGroupedGaussians {
    const { numClasses: K, numGroups: M, groupDim: d } = this;
    const classCounts = new Float64Array(K);
    for (let k = 0; k < K; k++) {
      classCounts[k] = this.count(k);
      if (this.count(k) < 2) {
        throw new InvalidArgumentError(
          `grouped Gaussians: class ${k} has ${this.count(k)} sample(s); an unbiased covariance needs at least 2. Add samples of that class or drop it.`,
        );
      }
    }
    const means = new Float64Array(K * M * d);
    const whitening = new Float64Array(K * M * d * d);
    const ridge = new Float64Array(K * M);
    const eps = new Float64Array(K * M);
    for (let k = 0; k < K; k++) {
      for (let j = 0; j < M; j++) {
        const b = k * M + j;
        means.set(this.mean(k, j), b * d);
        const factored = choleskyWithRidge(this.covariance(k, j), d, options.ridge);
        ridge[b] = factored.ridge;
        eps[b] = factored.eps;
        whitening.set(inverseLower(factored.factor, d), b * d * d);
      }
    }
    let blocksWithRidge = 0;
    let maxEps = 0;
    let maxRidge = 0;
    for (let b = 0; b < K * M; b++) {
      if ((ridge[b] ?? 0) > 0) blocksWithRidge++;
      maxEps = Math.max(maxEps, eps[b] ?? 0);
      maxRidge = Math.max(maxRidge, ridge[b] ?? 0);
    }
    const groupWeights = options.groupWeights === undefined ? uniformGroupWeights(K, M) : expandGroupWeights(options.groupWeights, K, M);
    return {
      model: { numClasses: K, numGroups: M, groupDim: d, means, whitening, groupWeights },
      ridge: { ridge, eps, classCounts, blocks: K * M, blocksWithRidge, maxEps, maxRidge },
    };
  }
}
