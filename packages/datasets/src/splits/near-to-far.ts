import { InvalidArgumentError, NonFiniteInputError, ShapeMismatchError } from '@hvcm/metrics';
import { arraySplit } from './array-split';
import { checkInteger } from './check-arguments';

/** Options of `nearToFarOodSets`. */
export interface NearToFarOptions {
  /** Number of ordered OOD sets to cut the ranked classes into (the paper: 9). Default 9. */
  readonly numSets?: number;
  /**
   * Class ids of the rows of `nonIdMeans` (say the 900 ImageNet classes outside the ID fold).
   * When given, `order` and `sets` hold these ids; otherwise row indices 0..Kn-1.
   */
  readonly nonIdClasses?: ArrayLike<number>;
}

/** Non-ID classes ranked from nearest to farthest from the in-distribution classes. */
export interface NearToFarResult {
  /** `[Kn]` non-ID classes (ids or rows, see `nonIdClasses`), nearest first; ties keep row order. */
  readonly order: Int32Array;
  /** `[Kn]` mean cosine distance of each non-ID row to the ID class means, by row (not by rank). */
  readonly meanDistance: Float64Array;
  /** `numSets` consecutive pieces of `order` (sizes differ by at most 1; the first get the extra): OOD 1 (nearest) .. OOD N (farthest). */
  readonly sets: Int32Array[];
}

/**
 * The paper's near-to-far OOD protocol: ranks non-ID classes by their mean cosine distance
 * `(1/K) sum_k (1 - cos(n_j, c_k))` to the K in-distribution class means and cuts the ranking into
 * `numSets` ordered sets (OOD 1 nearest .. OOD 9 farthest).
 *
 * `idMeans` `[K, E]` and `nonIdMeans` `[Kn, E]` are row-major class-mean features with `E =
 * featureDim`. Pure TypeScript in float64: the mean of cosines equals the cosine with the mean of
 * the unit ID means scaled by the row's norm, so the cost is O((K + Kn) E), which is instant even
 * at ImageNet size (100 + 900 classes, E 2048). Zero rows have no direction and are rejected.
 */
export function nearToFarOodSets(
  idMeans: Float32Array | Float64Array,
  nonIdMeans: Float32Array | Float64Array,
  featureDim: number,
  options: NearToFarOptions = {},
): NearToFarResult {
  checkInteger('featureDim', featureDim, 1);
  const numSets = options.numSets ?? 9;
  const k = rowCount('idMeans', idMeans, featureDim);
  const kn = rowCount('nonIdMeans', nonIdMeans, featureDim);
  if (k < 1) throw new InvalidArgumentError('idMeans must hold at least one class mean; got none.');
  checkInteger('numSets', numSets, 1, Math.max(1, kn));
  const ids = options.nonIdClasses;
  if (ids !== undefined && ids.length !== kn) {
    throw new ShapeMismatchError(`nonIdClasses must have one id per row of nonIdMeans (${kn}); got ${ids.length}.`);
  }

  // Mean of the unit-normalised ID class means: mean_k cos(x, c_k) = (x / |x|) . meanUnit.
  const meanUnit = new Float64Array(featureDim);
  for (let r = 0; r < k; r += 1) {
    const norm = rowNorm('idMeans', idMeans, r, featureDim);
    for (let e = 0; e < featureDim; e += 1) {
      meanUnit[e] = (meanUnit[e] as number) + (idMeans[r * featureDim + e] as number) / norm;
    }
  }
  for (let e = 0; e < featureDim; e += 1) meanUnit[e] = (meanUnit[e] as number) / k;

  const meanDistance = new Float64Array(kn);
  for (let r = 0; r < kn; r += 1) {
    const norm = rowNorm('nonIdMeans', nonIdMeans, r, featureDim);
    let dot = 0;
    for (let e = 0; e < featureDim; e += 1) dot += (nonIdMeans[r * featureDim + e] as number) * (meanUnit[e] as number);
    meanDistance[r] = 1 - dot / norm;
  }
  const rows = Array.from({ length: kn }, (_, r) => r).sort(
    (a, b) => (meanDistance[a] as number) - (meanDistance[b] as number) || a - b,
  );
  const order = Int32Array.from(rows, (r) => (ids === undefined ? r : (ids[r] as number)));
  return { order, meanDistance, sets: arraySplit(order, numSets) };
}

function rowCount(name: string, values: ArrayLike<number>, dim: number): number {
  if (values.length % dim !== 0) {
    throw new ShapeMismatchError(
      `${name} must be a row-major [rows, ${dim}] matrix; its length ${values.length} is not a multiple of ${dim}.`,
    );
  }
  return values.length / dim;
}

function rowNorm(name: string, values: ArrayLike<number>, row: number, dim: number): number {
  let sumSq = 0;
  for (let e = 0; e < dim; e += 1) {
    const v = values[row * dim + e] as number;
    if (!Number.isFinite(v)) {
      throw new NonFiniteInputError(`${name} holds a non-finite value ${v} at row ${row}, column ${e}.`, row * dim + e, v);
    }
    sumSq += v * v;
  }
  if (sumSq === 0) {
    throw new InvalidArgumentError(`${name} row ${row} is all zeros: a zero vector has no cosine distance.`);
  }
  return Math.sqrt(sumSq);
}
