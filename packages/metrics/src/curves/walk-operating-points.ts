import type { SortedScores } from '../input/score-types';

/**
 * Which group is the positive class of an ROC/PR analysis.
 * - `'id'`: a sample is called in-distribution when `score >= threshold` (ODIN, Energy, KNN papers).
 * - `'ood'`: a sample is called OOD when `score <= threshold` (the HVCM release, OpenOOD).
 */
export type PositiveClass = 'id' | 'ood';

/**
 * Called once per distinct threshold, from the strictest to the loosest, with the cumulative counts
 * of positives (`tp`) and negatives (`fp`) called positive at that threshold.
 */
export type OperatingPointVisitor = (tp: number, fp: number, threshold: number) => unknown;

/**
 * Walks every distinct threshold of two ascending-sorted score groups in O(n), without building
 * the curve in memory. The visitor returns `true` to stop early (anything else continues).
 */
export function walkOperatingPoints(sorted: SortedScores, positive: PositiveClass, visit: OperatingPointVisitor): void {
  if (positive === 'id') walkDescending(sorted.id, sorted.ood, visit);
  else walkAscending(sorted.ood, sorted.id, visit);
}

/** Positives are called positive when score >= t: thresholds run from the largest score down. */
function walkDescending(pos: Float32Array | Float64Array, neg: Float32Array | Float64Array, visit: OperatingPointVisitor): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const a = i >= 0 ? (pos[i] as number) : -Infinity;
    const b = j >= 0 ? (neg[j] as number) : -Infinity;
    const t = a > b ? a : b;
    while (i >= 0 && pos[i] === t) i--;
    while (j >= 0 && neg[j] === t) j--;
    if (visit(pos.length - 1 - i, neg.length - 1 - j, t) === true) return;
  }
}

/** Positives are called positive when score <= t: thresholds run from the smallest score up. */
function walkAscending(pos: Float32Array | Float64Array, neg: Float32Array | Float64Array, visit: OperatingPointVisitor): void {
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const a = i < pos.length ? (pos[i] as number) : Infinity;
    const b = j < neg.length ? (neg[j] as number) : Infinity;
    const t = a < b ? a : b;
    while (i < pos.length && pos[i] === t) i++;
    while (j < neg.length && neg[j] === t) j++;
    if (visit(i, j, t) === true) return;
  }
}

/** Number of positives and negatives for a positive class. */
export function groupSizes(sorted: SortedScores, positive: PositiveClass): { numPos: number; numNeg: number } {
  return positive === 'id'
    ? { numPos: sorted.id.length, numNeg: sorted.ood.length }
    : { numPos: sorted.ood.length, numNeg: sorted.id.length };
}
