/**
 * Solves `L X = B` by forward substitution. `l` is lower triangular `[n, n]` row-major (its upper
 * triangle is ignored), `b` is `[n, m]` row-major; returns `X` `[n, m]` as a new Float64Array.
 */
export function solveLower(l: Float64Array, n: number, b: Float64Array | Float32Array, m = 1): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const rowL = i * n;
    const rowX = i * m;
    for (let k = 0; k < i; k++) {
      const lik = l[rowL + k] ?? 0;
      if (lik === 0) continue;
      const rowK = k * m;
      for (let c = 0; c < m; c++) x[rowX + c] = (x[rowX + c] ?? 0) - lik * (x[rowK + c] ?? 0);
    }
    const diagonal = l[rowL + i] ?? 1;
    for (let c = 0; c < m; c++) x[rowX + c] = (x[rowX + c] ?? 0) / diagonal;
  }
  return x;
}

/**
 * Solves `U X = B` by back substitution. `u` is upper triangular `[n, n]` row-major (its lower
 * triangle is ignored), `b` is `[n, m]` row-major; returns `X` `[n, m]`.
 */
export function solveUpper(u: Float64Array, n: number, b: Float64Array | Float32Array, m = 1): Float64Array {
  const x = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    const rowU = i * n;
    const rowX = i * m;
    for (let k = i + 1; k < n; k++) {
      const uik = u[rowU + k] ?? 0;
      if (uik === 0) continue;
      const rowK = k * m;
      for (let c = 0; c < m; c++) x[rowX + c] = (x[rowX + c] ?? 0) - uik * (x[rowK + c] ?? 0);
    }
    const diagonal = u[rowU + i] ?? 1;
    for (let c = 0; c < m; c++) x[rowX + c] = (x[rowX + c] ?? 0) / diagonal;
  }
  return x;
}

/** Transpose of a `[rows, columns]` row-major matrix, as `[columns, rows]`. */
export function transpose(a: Float64Array | Float32Array, rows: number, columns: number): Float64Array {
  const t = new Float64Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) t[j * rows + i] = a[i * columns + j] ?? 0;
  }
  return t;
}

/**
 * Solves `L L^T X = B` (i.e. `A X = B` given the Cholesky factor `L` of `A`): a forward then a back
 * substitution. `b` is `[n, m]`; returns `X` `[n, m]`.
 */
export function solveCholesky(l: Float64Array, n: number, b: Float64Array | Float32Array, m = 1): Float64Array {
  return solveUpper(transpose(l, n, n), n, solveLower(l, n, b, m), m);
}
