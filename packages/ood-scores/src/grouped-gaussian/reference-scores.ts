import type { GroupedGaussianModel } from './grouped-gaussian-model';

/**
 * The straightforward reference: per sample, per class, per group, `0.5 |L^-1 (a_j - mu)|^2` in
 * float64 plain JavaScript. Slow (`K M d^2` per sample) and exact; tests compare the fast scorer to
 * it. Returns `S_k(x)` `[n, K]` row-major (lower = closer).
 */
export function referenceClassScores(model: GroupedGaussianModel, features: ArrayLike<number>, n: number): Float64Array {
  const { numClasses: K, numGroups: M, groupDim: d } = model;
  const D = M * d;
  const out = new Float64Array(n * K);
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) {
      let total = 0;
      for (let j = 0; j < M; j++) {
        const mean = (k * M + j) * d;
        for (let t = 0; t < d; t++) diff[t] = (features[i * D + j * d + t] ?? 0) - (model.means[mean + t] ?? 0);
        const block = (k * M + j) * d * d;
        let squared = 0;
        for (let r = 0; r < d; r++) {
          let z = 0;
          for (let t = 0; t <= r; t++) z += (model.whitening[block + r * d + t] ?? 0) * (diff[t] ?? 0);
          squared += z * z;
        }
        total += (model.groupWeights[k * M + j] ?? 0) * 0.5 * squared;
      }
      out[i * K + k] = total;
    }
  }
  return out;
}
