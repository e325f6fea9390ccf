import { describe, expect, it } from 'vitest';
import { NonFiniteInputError } from '@hvcm/metrics';
import { NotPositiveDefiniteError } from '../errors/not-positive-definite-error';
import { RunningMoments } from './running-moments';
import { cholesky } from './cholesky';
import { choleskyWithRidge } from './cholesky-with-ridge';
import { solveCholesky, solveLower, solveUpper, transpose } from './triangular-solve';
import { inverseSpd } from './inverse';
import { symmetricEigen } from './symmetric-eigen';

// Reference values from NumPy 1.24 (Debian python3-numpy):
//   /usr/bin/python3 packages/ood-scores/scripts/linear-algebra-reference.py
// on x[i, j] = sin(1.3 i (j + 1) + 0.7 j) + 0.05 (j + 1) i, n = 7, d = 4.
const N = 7;
const D = 4;
const X = new Float64Array(N * D);
for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X[i * D + j] = Math.sin(1.3 * i * (j + 1) + 0.7 * j) + 0.05 * (j + 1) * i;
const NUMPY_MEAN = [0.3102145822567072, 0.3377760462436273, 0.5191226538493218, 0.7529606068846159];
const NUMPY_COV = [
  0.5652274426919817, -0.06250036604937576, -0.043246212541237034, 0.5224720856614302, -0.06250036604937576,
  0.5314284254177364, 0.4916102066037751, 0.007854915502766215, -0.043246212541237034, 0.4916102066037751,
  0.6470445983207187, 0.07053477117506077, 0.5224720856614302, 0.007854915502766215, 0.07053477117506077,
  0.6823799035784273,
];
const NUMPY_CHOLESKY = [
  0.7518160963240822, 0.0, 0.0, 0.0, -0.08313251918250229, 0.7242357417803317, 0.0, 0.0, -0.05752232860227972,
  0.6721958092279351, 0.43805088070827064, 0.0, 0.6949466607804715, 0.09061632604542212, 0.1132238489327404,
  0.42237197318878206,
];
const NUMPY_INVERSE = [
  6.659251799311949, -0.2621308279443166, 1.2134025214948665, -5.221140323066938, -0.26213082794431575,
  6.469703178905733, -5.003193962964329, 0.6433897124076379, 1.2134025214948658, -5.003193962964329,
  5.585844521418348, -1.4488491532097219, -5.221140323066938, 0.6433897124076386, -1.4488491532097225,
  5.605441376171293,
];
const NUMPY_EIGENVALUES_DESC = [1.1518660101508265, 1.0924496448133905, 0.10482259401249192, 0.07694212103215531];
const NUMPY_MAHALANOBIS_SQ = 22.037023632155325; // q = [0.3, -1.1, 0.7, 2.0]

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs((actual[i] ?? Number.NaN) - (expected[i] ?? 0))).toBeLessThanOrEqual(tolerance);
  }
}

describe('RunningMoments', () => {
  it('matches numpy mean and unbiased covariance in one batch', () => {
    const moments = new RunningMoments(D).add(X);
    expect(moments.count).toBe(N);
    expectClose(moments.mean(), NUMPY_MEAN, 1e-14);
    expectClose(moments.covariance(), NUMPY_COV, 1e-14);
  });

  it('gives the same moments for any split into batches and for merged accumulators', () => {
    const streamed = new RunningMoments(D).add(X.subarray(0, 2 * D)).add(X.subarray(2 * D, 3 * D)).add(X.subarray(3 * D));
    expectClose(streamed.covariance(), NUMPY_COV, 1e-14);
    const left = new RunningMoments(D).add(X, [0, 2, 4, 6]);
    const right = new RunningMoments(D).add(X, [1, 3, 5]);
    const merged = left.merge(right);
    expectClose(merged.mean(), NUMPY_MEAN, 1e-14);
    expectClose(merged.covariance(), NUMPY_COV, 1e-14);
    // Biased covariance = scatter / n.
    expectClose(merged.covariance({ unbiased: false }), NUMPY_COV.map((v) => (v * (N - 1)) / N), 1e-14);
  });

  it('stays accurate on data with a huge offset (no sum of raw squares)', () => {
    // Shifting by 1e8 leaves the covariance unchanged; a naive E[x^2] - E[x]^2 loses every digit here.
    const shifted = X.map((v) => v + 1e8);
    const moments = new RunningMoments(D).add(shifted.subarray(0, 3 * D)).add(shifted.subarray(3 * D));
    expectClose(moments.covariance(), NUMPY_COV, 1e-7);
  });

  it('handles more rows than one scatter block (blocked update)', () => {
    // 100 rows of a fixed pattern repeated: covariance of a repeated set equals (n-1)-scaled copy.
    const rows = 70;
    const data = new Float64Array(rows * D);
    for (let r = 0; r < rows; r++) data.set(X.subarray((r % N) * D, (r % N + 1) * D), r * D);
    const moments = new RunningMoments(D).add(data);
    // 10 copies of the 7 rows: scatter is 10x numpy's scatter ((n-1) cov).
    expectClose(moments.scatter(), NUMPY_COV.map((v) => v * (N - 1) * 10), 1e-12);
  });
});

describe('Cholesky, solves and inverse', () => {
  const cov = Float64Array.from(NUMPY_COV);

  it('factors like numpy.linalg.cholesky', () => {
    expectClose(cholesky(cov, D), NUMPY_CHOLESKY, 1e-14);
  });

  it('inverts like numpy.linalg.inv and gives numpy Mahalanobis distance', () => {
    const inverse = inverseSpd(cov, D);
    expectClose(inverse, NUMPY_INVERSE, 1e-12);
    const q = [0.3, -1.1, 0.7, 2.0].map((v, j) => v - (NUMPY_MEAN[j] ?? 0));
    // Whitened: z = L^-1 (q - mean), |z|^2 = (q - mean)^T S^-1 (q - mean).
    const z = solveLower(cholesky(cov, D), D, Float64Array.from(q));
    const squared = z.reduce((sum, v) => sum + v * v, 0);
    expect(Math.abs(squared - NUMPY_MAHALANOBIS_SQ)).toBeLessThan(1e-12);
  });

  it('solves triangular systems by substitution', () => {
    // Hand case: L = [[2, 0], [1, 3]], L x = [4, 11] -> x = [2, 3]; L^T y = [7, 9] -> y = [2, 3].
    const l = Float64Array.from([2, 0, 1, 3]);
    expectClose(solveLower(l, 2, Float64Array.from([4, 11])), [2, 3], 1e-15);
    expectClose(solveUpper(transpose(l, 2, 2), 2, Float64Array.from([7, 9])), [2, 3], 1e-15);
    // A = L L^T = [[4, 2], [2, 10]]; right-hand sides A [1, 3] = [10, 32] and A [1, 0] = [4, 2] as columns.
    expectClose(solveCholesky(l, 2, Float64Array.from([10, 4, 32, 2]), 2), [1, 1, 3, 0], 1e-14);
  });

  it('throws NotPositiveDefiniteError on an indefinite matrix', () => {
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
  });
});

describe('choleskyWithRidge', () => {
  it('adds no ridge when plain Cholesky works', () => {
    const result = choleskyWithRidge(Float64Array.from(NUMPY_COV), D);
    expect(result.ridge).toBe(0);
    expect(result.eps).toBe(0);
    expectClose(result.factor, NUMPY_CHOLESKY, 1e-14);
  });

  it('reports the ridge it needed on a singular covariance', () => {
    // Rank-1 covariance [[1, 1], [1, 1]]: trace/d = 1, so the first ridge tried is 1e-6 and it works.
    const result = choleskyWithRidge(Float64Array.from([1, 1, 1, 1]), 2);
    expect(result.eps).toBe(1e-6);
    expect(result.ridge).toBeCloseTo(1e-6, 18);
    const l = result.factor;
    // L L^T must reproduce A + ridge I.
    expect((l[0] ?? 0) ** 2).toBeCloseTo(1 + 1e-6, 12);
    expect((l[2] ?? 0) * (l[0] ?? 0)).toBeCloseTo(1, 12);
    expect((l[2] ?? 0) ** 2 + (l[3] ?? 0) ** 2).toBeCloseTo(1 + 1e-6, 12);
  });

  it('treats rounding-size pivots of a rank-deficient covariance as zero and adds a ridge', () => {
    // Unbiased covariance of the 2 samples (0.1, 0.7) and (0.3, 0.1) in 2 dimensions: rank 1, but the
    // second pivot left by rounding is 0.18 - 0.02 * (0.06 / 0.02)^2 ~ 3e-17, not exactly 0.
    const x = [0.1, 0.7, 0.3, 0.1];
    const mean = [(x[0]! + x[2]!) / 2, (x[1]! + x[3]!) / 2];
    const cov = new Float64Array(4);
    for (const r of [0, 1]) {
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) cov[i * 2 + j]! += (x[2 * r + i]! - mean[i]!) * (x[2 * r + j]! - mean[j]!);
    }
    expect(() => cholesky(cov, 2)).toThrow(NotPositiveDefiniteError);
    const result = choleskyWithRidge(cov, 2);
    expect(result.eps).toBe(1e-6);
    expect(result.ridge).toBeCloseTo((1e-6 * (cov[0]! + cov[3]!)) / 2, 20);
  });

  it('grows the ridge until it works and uses 1 as scale for an all-zero matrix', () => {
    // Eigenvalues of [[0, 0], [0, -0.001]] are 0 and -1e-3; trace/d = -5e-4 <= 0 so scale is 1:
    // eps must exceed 1e-3, which the sequence 1e-6, 1e-5, 1e-4, 1e-3 (equal: pivot 0), 1e-2 reaches at 1e-2.
    const result = choleskyWithRidge(Float64Array.from([0, 0, 0, -0.001]), 2);
    expect(result.eps).toBeCloseTo(1e-2, 15);
    expect(result.ridge).toBeCloseTo(1e-2, 15);
    const zero = choleskyWithRidge(new Float64Array(4), 2, { eps: 1e-3 });
    expect(zero.ridge).toBeCloseTo(1e-3, 15);
  });

  it('throws NonFiniteInputError naming the entry, and NotPositiveDefiniteError when hopeless', () => {
    expect(() => choleskyWithRidge(Float64Array.from([1, 0, Number.NaN, 1]), 2)).toThrow(NonFiniteInputError);
    try {
      choleskyWithRidge(Float64Array.from([1, 0, Number.POSITIVE_INFINITY, 1]), 2);
    } catch (error) {
      expect((error as NonFiniteInputError).index).toBe(2);
    }
    expect(() => choleskyWithRidge(Float64Array.from([1, 0, 0, -100]), 2)).toThrow(NotPositiveDefiniteError);
  });
});

describe('symmetricEigen', () => {
  it('matches numpy.linalg.eigh eigenvalues and reconstructs the matrix', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from(NUMPY_COV), D);
    expectClose(values, NUMPY_EIGENVALUES_DESC, 1e-14);
    // V diag(values) V^T = A and V^T V = I.
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) {
        let reconstructed = 0;
        let gram = 0;
        for (let k = 0; k < D; k++) {
          reconstructed += (vectors[i * D + k] ?? 0) * (values[k] ?? 0) * (vectors[j * D + k] ?? 0);
          gram += (vectors[k * D + i] ?? 0) * (vectors[k * D + j] ?? 0);
        }
        expect(Math.abs(reconstructed - (NUMPY_COV[i * D + j] ?? 0))).toBeLessThan(1e-14);
        expect(Math.abs(gram - (i === j ? 1 : 0))).toBeLessThan(1e-14);
      }
    }
  });

  it('decomposes a larger matrix with repeated eigenvalues: reconstruction and orthogonality', () => {
    // A = Q diag(5, 5, 2, 2, ..., 0.5) Q^T for an orthogonal Q built from Householder reflections.
    const n = 40;
    const wanted = Array.from({ length: n }, (_, i) => (i < 2 ? 5 : i < 20 ? 2 : 0.5 + i / 100));
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) q[i * n + i] = 1;
    for (let r = 0; r < 3; r++) {
      const u = Array.from({ length: n }, (_, i) => Math.sin(1.7 * i * (r + 1) + r));
      const norm2 = u.reduce((s, x) => s + x * x, 0);
      const next = new Float64Array(n * n); // (I - 2 u u^T / |u|^2) Q
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let uq = 0;
        for (let k = 0; k < n; k++) uq += (u[k] ?? 0) * (q[k * n + j] ?? 0);
        next[i * n + j] = (q[i * n + j] ?? 0) - (2 * (u[i] ?? 0) * uq) / norm2;
      }
      q.set(next);
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (q[i * n + k] ?? 0) * (wanted[k] ?? 0) * (q[j * n + k] ?? 0);
      a[i * n + j] = sum;
    }
    const { values, vectors } = symmetricEigen(a, n);
    expectClose(values, [...wanted].sort((x, y) => y - x), 1e-12);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let reconstructed = 0;
      let gram = 0;
      for (let k = 0; k < n; k++) {
        reconstructed += (vectors[i * n + k] ?? 0) * (values[k] ?? 0) * (vectors[j * n + k] ?? 0);
        gram += (vectors[k * n + i] ?? 0) * (vectors[k * n + j] ?? 0);
      }
      expect(Math.abs(reconstructed - (a[i * n + j] ?? 0))).toBeLessThan(1e-12);
      expect(Math.abs(gram - (i === j ? 1 : 0))).toBeLessThan(1e-12);
    }
    // Diagonal and 1x1 inputs.
    expectClose(symmetricEigen(Float64Array.from([1, 0, 0, 3]), 2).values, [3, 1], 0);
    expectClose(symmetricEigen(Float64Array.from([7]), 1).values, [7], 0);
  });

  it('handles a hand-computed 2x2 case', () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/sqrt2 and (1, -1)/sqrt2.
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expectClose(values, [3, 1], 1e-15);
    expect(Math.abs(vectors[0] ?? 0)).toBeCloseTo(Math.SQRT1_2, 15);
    expect((vectors[0] ?? 0) * (vectors[2] ?? 0)).toBeCloseTo(0.5, 15);
  });
});
