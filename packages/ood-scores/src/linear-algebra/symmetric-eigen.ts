import { InvalidArgumentError } from '@hvcm/metrics';

/** Eigen-decomposition of a symmetric matrix: `A = V diag(values) V^T`. */
export interface SymmetricEigen {
  /** Eigenvalues `[n]`, in DESCENDING order. */
  readonly values: Float64Array;
  /** Eigenvectors `[n, n]` row-major: column `k` is the unit eigenvector of `values[k]`. */
  readonly vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric `[n, n]` row-major float64 matrix by the cyclic
 * Jacobi method (accurate to a few ulps of the largest eigenvalue, O(n^3) per sweep, typically
 * 6-10 sweeps). Only the symmetric part of `a` is meaningful; `a` is not modified.
 */
export function symmetricEigen(a: Float64Array, n: number, options: { maxSweeps?: number } = {}): SymmetricEigen {
  if (a.length !== n * n) {
    throw new InvalidArgumentError(`symmetricEigen: expected ${n * n} values for [${n}, ${n}], got ${a.length}.`);
  }
  const m = new Float64Array(n * n);
  // Symmetrise so that round-off in the input cannot make the iteration drift.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * n + j] = 0.5 * ((a[i * n + j] ?? 0) + (a[j * n + i] ?? 0));
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < m.length; i++) total += (m[i] ?? 0) ** 2;
  const maxSweeps = options.maxSweeps ?? 60;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += (m[i * n + j] ?? 0) ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q] ?? 0;
        if (apq === 0) continue;
        const app = m[p * n + p] ?? 0;
        const aqq = m[q * n + q] ?? 0;
        // Past the first sweeps, an entry below the diagonal's round-off is set to zero (Numerical Recipes).
        if (sweep > 3 && Math.abs(app) + 100 * Math.abs(apq) === Math.abs(app) && Math.abs(aqq) + 100 * Math.abs(apq) === Math.abs(aqq)) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const kp = k * n + p;
          const kq = k * n + q;
          const akp = m[kp] ?? 0;
          const akq = m[kq] ?? 0;
          m[kp] = c * akp - s * akq;
          m[kq] = s * akp + c * akq;
        }
        const rowP = p * n;
        const rowQ = q * n;
        for (let k = 0; k < n; k++) {
          const apk = m[rowP + k] ?? 0;
          const aqk = m[rowQ + k] ?? 0;
          m[rowP + k] = c * apk - s * aqk;
          m[rowQ + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const kp = k * n + p;
          const kq = k * n + q;
          const vkp = v[kp] ?? 0;
          const vkq = v[kq] ?? 0;
          v[kp] = c * vkp - s * vkq;
          v[kq] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (m[j * n + j] ?? 0) - (m[i * n + i] ?? 0));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = m[source * n + source] ?? 0;
    for (let k = 0; k < n; k++) vectors[k * n + target] = v[k * n + source] ?? 0;
  });
  return { values, vectors };
}
