import { InvalidArgumentError, NotFittedError, ShapeMismatchError } from '@hvcm/metrics';

/** Rows per block of the scatter update: one pass over the `[d, d]` accumulator per block, not per row. */
const BLOCK_ROWS = 8;

/**
 * Streaming mean and covariance of `d`-dimensional samples in float64, numerically stable: each
 * batch is centred on its own mean before its scatter is accumulated, and batches are combined with
 * Chan et al.'s parallel update (`M2 = M2a + M2b + delta delta^T * na nb / n`), so no sum of raw
 * squares is ever formed. Batches can arrive in any split and two accumulators can be merged.
 */
export class RunningMoments {
  readonly dimension: number;
  private n = 0;
  private readonly meanValues: Float64Array;
  /** Scatter matrix `sum (x - mean)(x - mean)^T`; only the upper triangle is kept up to date. */
  private readonly scatterUpper: Float64Array;

  constructor(dimension: number) {
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new InvalidArgumentError(`RunningMoments: dimension must be a positive integer, got ${dimension}.`);
    }
    this.dimension = dimension;
    this.meanValues = new Float64Array(dimension);
    this.scatterUpper = new Float64Array(dimension * dimension);
  }

  /** Number of samples seen. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds a batch: `data` is `[rows, d]` row-major; `rowIndices`, when given, selects which rows
   * (e.g. the rows of one class) without copying. Returns `this`.
   */
  add(data: Float32Array | Float64Array, rowIndices?: ArrayLike<number>): this {
    const d = this.dimension;
    if (data.length % d !== 0) {
      throw new ShapeMismatchError(`RunningMoments.add: data length ${data.length} is not a multiple of d = ${d}.`);
    }
    const totalRows = data.length / d;
    const count = rowIndices ? rowIndices.length : totalRows;
    if (count === 0) return this;
    const rowAt = (r: number): number => (rowIndices ? (rowIndices[r] ?? 0) : r);

    const batchMean = new Float64Array(d);
    for (let r = 0; r < count; r++) {
      const offset = rowAt(r) * d;
      if (offset < 0 || offset >= data.length) {
        throw new InvalidArgumentError(`RunningMoments.add: row index ${rowAt(r)} is outside [0, ${totalRows}).`);
      }
      for (let j = 0; j < d; j++) batchMean[j] = (batchMean[j] ?? 0) + (data[offset + j] ?? 0);
    }
    for (let j = 0; j < d; j++) batchMean[j] = (batchMean[j] ?? 0) / count;

    // Batch scatter as rank-8 updates: 8 centred rows at a time, each accumulator row updated once
    // per 8 samples along contiguous memory (a missing row in the last block is zero: adds nothing).
    const batchScatter = new Float64Array(d * d);
    const c = new Float64Array(BLOCK_ROWS * d);
    for (let start = 0; start < count; start += BLOCK_ROWS) {
      const size = Math.min(BLOCK_ROWS, count - start);
      if (size < BLOCK_ROWS) c.fill(0);
      for (let r = 0; r < size; r++) {
        const offset = rowAt(start + r) * d;
        for (let j = 0; j < d; j++) c[r * d + j] = (data[offset + j] as number) - (batchMean[j] as number);
      }
      const d2 = 2 * d, d3 = 3 * d, d4 = 4 * d, d5 = 5 * d, d6 = 6 * d, d7 = 7 * d;
      for (let i = 0; i < d; i++) {
        const a0 = c[i] as number, a1 = c[d + i] as number, a2 = c[d2 + i] as number, a3 = c[d3 + i] as number;
        const a4 = c[d4 + i] as number, a5 = c[d5 + i] as number, a6 = c[d6 + i] as number, a7 = c[d7 + i] as number;
        const row = i * d;
        for (let j = i; j < d; j++) {
          batchScatter[row + j] =
            (batchScatter[row + j] as number) +
            a0 * (c[j] as number) + a1 * (c[d + j] as number) + a2 * (c[d2 + j] as number) + a3 * (c[d3 + j] as number) +
            a4 * (c[d4 + j] as number) + a5 * (c[d5 + j] as number) + a6 * (c[d6 + j] as number) + a7 * (c[d7 + j] as number);
        }
      }
    }
    this.combine(count, batchMean, batchScatter);
    return this;
  }

  /** Merges another accumulator of the same dimension into this one (Chan et al.). Returns `this`. */
  merge(other: RunningMoments): this {
    if (other.dimension !== this.dimension) {
      throw new ShapeMismatchError(`RunningMoments.merge: dimension ${other.dimension} differs from ${this.dimension}.`);
    }
    if (other.n > 0) this.combine(other.n, other.meanValues, other.scatterUpper);
    return this;
  }

  private combine(nb: number, meanB: Float64Array, scatterB: Float64Array): void {
    const d = this.dimension;
    const na = this.n;
    const n = na + nb;
    const delta = new Float64Array(d);
    for (let j = 0; j < d; j++) delta[j] = (meanB[j] ?? 0) - (this.meanValues[j] ?? 0);
    const weight = (na * nb) / n;
    for (let i = 0; i < d; i++) {
      const di = (delta[i] ?? 0) * weight;
      const row = i * d;
      for (let j = i; j < d; j++) {
        this.scatterUpper[row + j] = (this.scatterUpper[row + j] ?? 0) + (scatterB[row + j] ?? 0) + di * (delta[j] ?? 0);
      }
    }
    for (let j = 0; j < d; j++) this.meanValues[j] = (this.meanValues[j] ?? 0) + ((delta[j] ?? 0) * nb) / n;
    this.n = n;
  }

  /** Mean `[d]` (a copy). Throws `NotFittedError` before any sample. */
  mean(): Float64Array {
    if (this.n === 0) throw new NotFittedError('RunningMoments.mean: no sample has been added yet.');
    return Float64Array.from(this.meanValues);
  }

  /** Full symmetric scatter matrix `sum (x - mean)(x - mean)^T`, `[d, d]` row-major (a copy). */
  scatter(): Float64Array {
    const d = this.dimension;
    const full = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const value = this.scatterUpper[i * d + j] ?? 0;
        full[i * d + j] = value;
        full[j * d + i] = value;
      }
    }
    return full;
  }

  /**
   * Covariance `[d, d]`: the scatter divided by `n - 1` (unbiased, the default, as `numpy.cov`) or by
   * `n` (`unbiased: false`, maximum likelihood, as sklearn's `EmpiricalCovariance`).
   */
  covariance(options: { unbiased?: boolean } = {}): Float64Array {
    const unbiased = options.unbiased ?? true;
    const divisor = unbiased ? this.n - 1 : this.n;
    if (divisor <= 0) {
      throw new NotFittedError(
        `RunningMoments.covariance: needs at least ${unbiased ? 2 : 1} sample(s), got ${this.n}.`,
      );
    }
    const full = this.scatter();
    for (let i = 0; i < full.length; i++) full[i] = (full[i] ?? 0) / divisor;
    return full;
  }
}
