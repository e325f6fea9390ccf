import { NotPositiveDefiniteError } from '../errors/not-positive-definite-error';

/**
 * Tries the Cholesky factorisation `A = L L^T` of a symmetric `[n, n]` row-major float64 matrix
 * (only its lower triangle is read). Returns the lower-triangular `L` (upper triangle zero), or the
 * pivot row where it broke down as a negative-free number in `failedAt`. A pivot breaks down when
 * it is not finite or not above `n * machine epsilon * A[i, i]`: a rank-deficient matrix (a covariance
 * of fewer samples than dimensions) leaves pivots of rounding size there instead of exact zeros, and
 * accepting them would give a finite but meaningless, enormous inverse.
 */
export function tryCholesky(a: Float64Array, n: number): { factor: Float64Array } | { failedAt: number } {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j] ?? 0;
      for (let k = 0; k < j; k++) sum -= (l[rowI + k] ?? 0) * (l[rowJ + k] ?? 0);
      if (i === j) {
        // A pivot must be clearly positive: `!(sum > tolerance)` also catches NaN.
        const tolerance = n * Number.EPSILON * Math.abs(a[rowI + i] ?? 0);
        if (!(sum > tolerance) || !Number.isFinite(sum)) return { failedAt: i };
        l[rowI + i] = Math.sqrt(sum);
      } else {
        l[rowI + j] = sum / (l[rowJ + j] ?? 1);
      }
    }
  }
  return { factor: l };
}

/**
 * Cholesky factor `L` (lower triangular, `A = L L^T`) of a symmetric positive definite `[n, n]`
 * row-major float64 matrix. Throws `NotPositiveDefiniteError` when `A` is not positive definite;
 * use {@link choleskyWithRidge} to regularise instead.
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) {
    throw new NotPositiveDefiniteError(`cholesky: expected ${n * n} values for [${n}, ${n}], got ${a.length}.`, -1);
  }
  const result = tryCholesky(a, n);
  if ('failedAt' in result) {
    throw new NotPositiveDefiniteError(
      `cholesky: the matrix is not positive definite (pivot ${result.failedAt} is <= 0). ` +
        'Use choleskyWithRidge to add a small ridge, or check the covariance for constant or duplicated features.',
      result.failedAt,
    );
  }
  return result.factor;
}
