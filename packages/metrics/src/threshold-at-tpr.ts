import { checkFinite } from './input/check-finite';
import { checkRate } from './input/check-rate';
import type { Scores } from './input/score-types';
import { InvalidArgumentError } from './errors/invalid-argument-error';
import { sortScoresInPlace } from './sort/radix-sort';

/**
 * The decision threshold that accepts a target fraction of in-distribution samples: the largest
 * `tau` with `mean(idScores >= tau) >= targetTpr` (accept as ID when `score >= tau`; higher = more
 * in-distribution). With ties more than the target may be accepted. This is the threshold of the
 * first-crossing "FPR (ID positive)" operating point, and the paper's Eq. 2 threshold.
 * @param idScores held-out in-distribution scores `[n]`.
 * @param targetTpr in (0, 1], default 0.95.
 */
export function thresholdAtTpr(idScores: Scores, targetTpr = 0.95): number {
  checkRate('thresholdAtTpr', 'targetTpr', targetTpr, false);
  if (idScores.length === 0) {
    throw new InvalidArgumentError('thresholdAtTpr: expected at least one in-distribution score, got an empty array.');
  }
  checkFinite('thresholdAtTpr', 'idScores', idScores);
  const sorted = idScores instanceof Float32Array ? Float32Array.from(idScores) : Float64Array.from(idScores);
  sortScoresInPlace(sorted);
  const k = acceptedCount(sorted.length, targetTpr);
  return sorted[sorted.length - k] as number;
}

/** Smallest k with k / n >= target, with the same floating-point comparison the ROC walk uses. */
export function acceptedCount(n: number, target: number): number {
  let k = Math.min(n, Math.max(1, Math.ceil(target * n)));
  while (k > 1 && (k - 1) / n >= target) k--;
  while (k < n && k / n < target) k++;
  return k;
}
