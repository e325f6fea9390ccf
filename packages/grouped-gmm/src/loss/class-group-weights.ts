import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';

/**
 * Class group weights `W [K, M]` (row-major Float64Array, each row a distribution over groups),
 * updated after each step by the per-class EMA of DESIGN.md section 3, never by gradient:
 * for each class c in the batch, `W[c] <- gamma * mean_{i: y_i = c} softmax(g_i) + (1 - gamma) * W[c]`.
 *
 * `groupProbabilities` is `softmax(g)` `[n, M]` row-major (float32 from the backend is fine; the
 * update itself is done in float64). Classes absent from the batch are left unchanged.
 * Returns the number of classes updated.
 */
export function updateClassGroupWeights(
  weights: Float64Array,
  numClasses: number,
  numGroups: number,
  groupProbabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  gamma: number,
): number {
  const n = labels.length;
  if (weights.length !== numClasses * numGroups) {
    throw new ShapeMismatchError(`class group weights: expected ${numClasses} x ${numGroups} = ${numClasses * numGroups} entries, got ${weights.length}.`);
  }
  if (groupProbabilities.length !== n * numGroups) {
    throw new ShapeMismatchError(
      `class group weights: expected group probabilities [${n}, ${numGroups}] (${n * numGroups} entries) for ${n} labels, got ${groupProbabilities.length} entries.`,
    );
  }
  if (!(gamma >= 0 && gamma <= 1)) {
    throw new InvalidArgumentError(`class group weights: gamma must be in [0, 1], got ${gamma}.`);
  }
  const sums = new Float64Array(numClasses * numGroups);
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = labels[i] ?? -1;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new InvalidArgumentError(`class group weights: label ${c} at index ${i} is outside [0, ${numClasses}).`);
    }
    counts[c] = (counts[c] ?? 0) + 1;
    for (let j = 0; j < numGroups; j++) sums[c * numGroups + j] = (sums[c * numGroups + j] ?? 0) + (groupProbabilities[i * numGroups + j] ?? 0);
  }
  let updated = 0;
  for (let c = 0; c < numClasses; c++) {
    const count = counts[c] ?? 0;
    if (count === 0) continue;
    updated++;
    for (let j = 0; j < numGroups; j++) {
      const k = c * numGroups + j;
      weights[k] = gamma * ((sums[k] ?? 0) / count) + (1 - gamma) * (weights[k] ?? 0);
    }
  }
  return updated;
}
