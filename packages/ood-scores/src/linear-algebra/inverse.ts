import { cholesky } from './cholesky';
import { solveCholesky, solveLower } from './triangular-solve';

function identity(n: number): Float64Array {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return eye;
}

/** Inverse `A^-1` `[n, n]` of a matrix given its Cholesky factor `L` (`A = L L^T`), symmetrised. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const inverse = solveCholesky(l, n, identity(n), n);
  // Round-off leaves the two triangles a few ulps apart; a covariance inverse must be symmetric.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * ((inverse[i * n + j] ?? 0) + (inverse[j * n + i] ?? 0));
      inverse[i * n + j] = mean;
      inverse[j * n + i] = mean;
    }
  }
  return inverse;
}

/**
 * Inverse of a symmetric positive definite `[n, n]` row-major float64 matrix via Cholesky. Throws
 * `NotPositiveDefiniteError` when it is not positive definite; for a covariance that may be singular,
 * factor it with `choleskyWithRidge` and call {@link inverseFromCholesky}.
 */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  return inverseFromCholesky(cholesky(a, n), n);
}

/** Inverse `L^-1` `[n, n]` of a lower-triangular matrix (lower triangular as well). */
export function inverseLower(l: Float64Array, n: number): Float64Array {
  return solveLower(l, n, identity(n), n);
}
