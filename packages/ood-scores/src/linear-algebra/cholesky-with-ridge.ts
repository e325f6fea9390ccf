import { InvalidArgumentError, NonFiniteInputError } from '@hvcm/metrics';
import { NotPositiveDefiniteError } from '../errors/not-positive-definite-error';
import { tryCholesky } from './cholesky';

/** Options for {@link choleskyWithRidge}. */
export interface RidgeOptions {
  /** First relative ridge tried when plain Cholesky fails. Default 1e-6. */
  readonly eps?: number;
  /** Factor by which `eps` grows on each retry. Default 10. */
  readonly growth?: number;
  /** Largest relative ridge tried before giving up. Default 1. */
  readonly maxEps?: number;
}

/** The result of {@link choleskyWithRidge}: the factor and the ridge it needed (0 when none). */
export interface RidgedCholesky {
  /** Lower-triangular `L`, `[n, n]` row-major, with `A + ridge * I = L L^T`. */
  readonly factor: Float64Array;
  /** Relative ridge used (`0` when plain Cholesky succeeded). */
  readonly eps: number;
  /** Absolute ridge added to the diagonal: `eps * trace(A) / n` (0 when none was needed). */
  readonly ridge: number;
}

/**
 * Cholesky factor of a symmetric `[n, n]` float64 matrix that adds `eps * trace(A)/n * I` only when
 * plain Cholesky fails, retrying with `eps` growing by `growth` up to `maxEps`; it REPORTS the ridge
 * used. A non-finite entry throws `NonFiniteInputError` (never NaN downstream); a matrix that stays
 * indefinite (e.g. a negative eigenvalue larger than `maxEps * trace/n`) throws `NotPositiveDefiniteError`.
 * When `trace(A) <= 0` (an all-zero covariance) the scale `trace/n` is replaced by 1.
 */
export function choleskyWithRidge(a: Float64Array, n: number, options: RidgeOptions = {}): RidgedCholesky {
  const eps0 = options.eps ?? 1e-6;
  const growth = options.growth ?? 10;
  const maxEps = options.maxEps ?? 1;
  if (!(eps0 > 0) || !(growth > 1) || !(maxEps >= eps0)) {
    throw new InvalidArgumentError(
      `choleskyWithRidge: need eps > 0, growth > 1 and maxEps >= eps, got eps ${eps0}, growth ${growth}, maxEps ${maxEps}.`,
    );
  }
  if (a.length !== n * n) {
    throw new InvalidArgumentError(`choleskyWithRidge: expected ${n * n} values for [${n}, ${n}], got ${a.length}.`);
  }
  for (let i = 0; i < a.length; i++) {
    const value = a[i] ?? Number.NaN;
    if (!Number.isFinite(value)) {
      throw new NonFiniteInputError(
        `choleskyWithRidge: the matrix has a non-finite entry ${value} at [${Math.floor(i / n)}, ${i % n}]; ` +
          'a covariance of finite features is finite, so check the features it came from.',
        i,
        value,
      );
    }
  }
  const plain = tryCholesky(a, n);
  if ('factor' in plain) return { factor: plain.factor, eps: 0, ridge: 0 };

  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i] ?? 0;
  const scale = trace > 0 ? trace / n : 1;
  const shifted = new Float64Array(a);
  let lastPivot = plain.failedAt;
  for (let eps = eps0; eps <= maxEps * (1 + 1e-12); eps *= growth) {
    const ridge = eps * scale;
    for (let i = 0; i < n; i++) shifted[i * n + i] = (a[i * n + i] ?? 0) + ridge;
    const attempt = tryCholesky(shifted, n);
    if ('factor' in attempt) return { factor: attempt.factor, eps, ridge };
    lastPivot = attempt.failedAt;
  }
  throw new NotPositiveDefiniteError(
    `choleskyWithRidge: still not positive definite with a ridge of ${maxEps} * trace/n = ${maxEps * scale} ` +
      `(pivot ${lastPivot}). The matrix is far from positive semi-definite: is it a covariance?`,
    lastPivot,
  );
}
