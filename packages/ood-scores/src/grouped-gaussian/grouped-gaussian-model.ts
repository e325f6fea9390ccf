import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';

/**
 * Fitted class x group Gaussians, everything a scorer needs, in float64:
 * class k, group j has mean `mu[k,j]` and covariance `S[k,j] (+ ridge I) = L L^T`; `whitening` holds
 * `L^-1` (lower triangular), so `S^-1 = L^-T L^-1` and the Mahalanobis term is `|L^-1 (a_j - mu)|^2`.
 *
 * Score (DESIGN.md section 3): `S_k(x) = sum_j w[k,j] * 0.5 * |L^-1_{kj} (a_j - mu_{kj})|^2`,
 * in-distribution score `-min_k S_k(x)` (higher = more in-distribution).
 */
export interface GroupedGaussianModel {
  /** K, the number of classes. */
  readonly numClasses: number;
  /** M, the number of groups; features have `M * d` columns, group j is columns `[j d, (j + 1) d)`. */
  readonly numGroups: number;
  /** d, the size of one group. */
  readonly groupDim: number;
  /** Means `[K, M, d]` row-major. */
  readonly means: Float64Array;
  /** `L^-1` per block, `[K, M, d, d]` row-major (each `[d, d]` block lower triangular). */
  readonly whitening: Float64Array;
  /** Group weights `w [K, M]` (uniform `1 / M` when not given). */
  readonly groupWeights: Float64Array;
}

/** `[K, M]` weights of `1 / M` each (every group counts the same; a distribution over groups like HVCM's W). */
export function uniformGroupWeights(numClasses: number, numGroups: number): Float64Array {
  return new Float64Array(numClasses * numGroups).fill(1 / numGroups);
}

/**
 * Expands user group weights to `[K, M]`: `[M]` (shared by every class) or `[K, M]`; every entry finite
 * and >= 0.
 */
export function expandGroupWeights(weights: ArrayLike<number>, numClasses: number, numGroups: number): Float64Array {
  const out = new Float64Array(numClasses * numGroups);
  if (weights.length === numGroups) {
    for (let k = 0; k < numClasses; k++) for (let j = 0; j < numGroups; j++) out[k * numGroups + j] = weights[j] ?? 0;
  } else if (weights.length === numClasses * numGroups) {
    for (let i = 0; i < out.length; i++) out[i] = weights[i] ?? 0;
  } else {
    throw new ShapeMismatchError(
      `group weights: expected ${numGroups} (one per group) or ${numClasses * numGroups} (K ${numClasses} x M ${numGroups}) values, got ${weights.length}.`,
    );
  }
  for (let i = 0; i < out.length; i++) {
    const w = out[i] ?? Number.NaN;
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new InvalidArgumentError(`group weights must be finite and >= 0, got ${w} at [${Math.floor(i / numGroups)}, ${i % numGroups}].`);
    }
  }
  return out;
}

/** Checks the array sizes of a model against its K, M, d. */
export function checkGroupedGaussianModel(model: GroupedGaussianModel): void {
  const { numClasses: K, numGroups: M, groupDim: d } = model;
  for (const [name, v] of [['numClasses', K], ['numGroups', M], ['groupDim', d]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`grouped Gaussian model: ${name} must be a positive integer, got ${v}.`);
  }
  const expect = (name: string, got: number, want: number) => {
    if (got !== want) throw new ShapeMismatchError(`grouped Gaussian model: ${name} needs ${want} values (K ${K}, M ${M}, d ${d}), got ${got}.`);
  };
  expect('means', model.means.length, K * M * d);
  expect('whitening', model.whitening.length, K * M * d * d);
  expect('groupWeights', model.groupWeights.length, K * M);
}
