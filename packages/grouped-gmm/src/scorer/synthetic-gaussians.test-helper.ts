/** Seeded synthetic class x group Gaussian data for tests (mulberry32 + Box-Muller). */
export function seededNormal(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** Known parameters: means `[K, M, d]` and mixing matrices `A [K, M, d, d]` (covariance `A A^T`). */
export interface SyntheticGaussians {
  readonly K: number;
  readonly M: number;
  readonly d: number;
  readonly means: Float64Array;
  readonly mixing: Float64Array;
}

export function makeSyntheticGaussians(K: number, M: number, d: number, seed: number, meanScale = 3): SyntheticGaussians {
  const normal = seededNormal(seed);
  const means = Float64Array.from({ length: K * M * d }, () => meanScale * normal());
  const mixing = new Float64Array(K * M * d * d);
  for (let b = 0; b < K * M; b++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) mixing[b * d * d + r * d + c] = (r === c ? 1 : 0) + 0.4 * normal();
    }
  }
  return { K, M, d, means, mixing };
}

/** True covariance `A A^T` of block (k, j), `[d, d]`. */
export function trueCovariance(g: SyntheticGaussians, k: number, j: number): Float64Array {
  const { M, d } = g;
  const A = g.mixing.subarray((k * M + j) * d * d, (k * M + j + 1) * d * d);
  const S = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += (A[r * d + t] ?? 0) * (A[c * d + t] ?? 0);
    S[r * d + c] = s;
  }
  return S;
}

/** `n` samples per class: features `[K n, M d]` (float32) and labels. */
export function sampleSynthetic(g: SyntheticGaussians, perClass: number, seed: number): { features: Float32Array; labels: Int32Array } {
  const { K, M, d } = g;
  const normal = seededNormal(seed);
  const D = M * d;
  const features = new Float32Array(K * perClass * D);
  const labels = new Int32Array(K * perClass);
  const z = new Float64Array(d);
  for (let k = 0; k < K; k++) {
    for (let s = 0; s < perClass; s++) {
      const i = k * perClass + s;
      labels[i] = k;
      for (let j = 0; j < M; j++) {
        for (let t = 0; t < d; t++) z[t] = normal();
        const b = k * M + j;
        for (let r = 0; r < d; r++) {
          let v = g.means[b * d + r] ?? 0;
          for (let t = 0; t < d; t++) v += (g.mixing[b * d * d + r * d + t] ?? 0) * (z[t] ?? 0);
          features[i * D + j * d + r] = v;
        }
      }
    }
  }
  return { features, labels };
}
