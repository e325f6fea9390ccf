import { InvalidArgumentError, NotFittedError, ShapeMismatchError } from '@hvcm/metrics';

/** Rows per block of the scatter update: one pass over the `[d, d]` accumulator per block, not per row. */
const BLOCK_ROWS = 32;

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

    // Batch scatter, blocked: centred rows are stored transposed ([d, BLOCK_ROWS]) so each
    // accumulator entry gets one contiguous dot product per block.
    const batchScatter = new Float64Array(d * d);
    const block = new Float64Array(d * BLOCK_ROWS);
    for (let start = 0; start < count; start += BLOCK_ROWS) {
      const size = Math.min(BLOCK_ROWS, count - start);
      for (let r = 0; r < size; r++) {
        const offset = rowAt(start + r) * d;
        for (let j = 0; j < d; j++) block[j * BLOCK_ROWS + r] = (data[offset + j] ?? 0) - (batchMean[j] ?? 0);
      }
      for (let i = 0; i < d; i++) {
        const bi = i * BLOCK_ROWS;
        const rowOut = i * d;
        for (let j = i; j < d; j++) {
          const bj = j * BLOCK_ROWS;
          let sum = 0;
          for (let r = 0; r < size; r++) sum += (block[bi + r] ?? 0) * (block[bj + r] ?? 0);
          batchScatter[rowOut + j] = (batchScatter[rowOut + j] ?? 0) + sum;
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
