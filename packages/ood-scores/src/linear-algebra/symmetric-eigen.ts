import { InvalidArgumentError } from '@hvcm/metrics';

/** Eigen-decomposition of a symmetric matrix: `A = V diag(values) V^T`. */
export interface SymmetricEigen {
  /** Eigenvalues `[n]`, in DESCENDING order. */
  readonly values: Float64Array;
  /** Eigenvectors `[n, n]` row-major: column `k` is the unit eigenvector of `values[k]`. */
  readonly vectors: Float64Array;
}

/**
 * Eigenvalues and eigenvectors of a symmetric `[n, n]` row-major float64 matrix: Householder
 * reduction to tridiagonal form, then the implicit QL algorithm (EISPACK tred2/tql2, as in JAMA and
 * LAPACK's reference path). O(n^3), about 1-2 s for n = 512 in JavaScript. Only the symmetric part
 * of `a` is used (its two triangles are averaged); `a` is not modified.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new InvalidArgumentError(`symmetricEigen: expected ${n * n} values for [${n}, ${n}], got ${a.length}.`);
  }
  // v[i] is row i of the working matrix (JAMA's V).
  const v: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = 0.5 * ((a[i * n + j] as number) + (a[j * n + i] as number));
    return row;
  });
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n);
  // tql2 rotates columns of V; with Z = V^T those are contiguous rows.
  const z: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    for (let k = 0; k < n; k++) row[k] = (v[k] as Float64Array)[i] as number;
    return row;
  });
  diagonalize(z, d, e, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (d[j] as number) - (d[i] as number));
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    values[target] = d[source] as number;
    const vector = z[source] as Float64Array;
    for (let k = 0; k < n; k++) vectors[k * n + target] = vector[k] as number;
  });
  return { values, vectors };
}

/** Householder reduction of symmetric `v` to tridiagonal form (EISPACK tred2): diagonal `d`, sub-diagonal `e`, `v` the transform. */
function tridiagonalize(v: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  const row = (i: number): Float64Array => v[i] as Float64Array;
  for (let j = 0; j < n; j++) d[j] = row(n - 1)[j] as number;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k] as number);
    if (scale === 0) {
      e[i] = d[i - 1] as number;
      for (let j = 0; j < i; j++) {
        d[j] = row(i - 1)[j] as number;
        row(i)[j] = 0;
        row(j)[i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = (d[k] as number) / scale;
        h += (d[k] as number) * (d[k] as number);
      }
      let f = d[i - 1] as number;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        row(j)[i] = f;
        g = (e[j] as number) + (row(j)[j] as number) * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = row(k)[j] as number;
          g += vkj * (d[k] as number);
          e[k] = (e[k] as number) + vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = (e[j] as number) / h;
        f += (e[j] as number) * (d[j] as number);
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = (e[j] as number) - hh * (d[j] as number);
      for (let j = 0; j < i; j++) {
        f = d[j] as number;
        g = e[j] as number;
        for (let k = j; k <= i - 1; k++) row(k)[j] = (row(k)[j] as number) - (f * (e[k] as number) + g * (d[k] as number));
        d[j] = row(i - 1)[j] as number;
        row(i)[j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    row(n - 1)[i] = row(i)[i] as number;
    row(i)[i] = 1;
    const h = d[i + 1] as number;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = (row(k)[i + 1] as number) / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += (row(k)[i + 1] as number) * (row(k)[j] as number);
        for (let k = 0; k <= i; k++) row(k)[j] = (row(k)[j] as number) - g * (d[k] as number);
      }
    }
    for (let k = 0; k <= i; k++) row(k)[i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = row(n - 1)[j] as number;
    row(n - 1)[j] = 0;
  }
  row(n - 1)[n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal `(d, e)` (EISPACK tql2), rotating the rows of `z` (eigenvectors as rows). */
function diagonalize(z: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i] as number;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m] as number) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60 * n) {
          throw new InvalidArgumentError('symmetricEigen: the QL iteration did not converge (is the matrix finite?).');
        }
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          const zi = z[i] as Float64Array;
          const zi1 = z[i + 1] as Float64Array;
          for (let k = 0; k < n; k++) {
            const hk = zi1[k] as number;
            const zik = zi[k] as number;
            zi1[k] = s * zik + c * hk;
            zi[k] = c * zik - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
}
