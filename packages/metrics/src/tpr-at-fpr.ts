import { checkRate } from './input/check-rate';
import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { LabelledScores, Scores, SortedScores } from './input/score-types';
import { groupSizes, walkOperatingPoints, type PositiveClass } from './curves/walk-operating-points';
import type { OperatingPointMode } from './fpr-at-tpr';

export interface TprAtFprOptions {
  /** Target false-positive rate in [0, 1]. Default 0.05. */
  readonly targetFpr: number;
  /** Which group is positive; see `FprAtTprOptions.positive`. Default `'id'`. */
  readonly positive: PositiveClass;
  /**
   * `'first-crossing'` (default): TPR of the last ROC vertex whose FPR does not exceed the target.
   * `'interpolated'`: the ROC polyline's TPR at exactly the target FPR.
   */
  readonly mode: OperatingPointMode;
}

/** True-positive rate at a target false-positive rate, for in-distribution scores (higher = more ID). */
export function tprAtFpr(id: Scores, ood: Scores, options?: Partial<TprAtFprOptions>): number;
export function tprAtFpr(labelled: LabelledScores, options?: Partial<TprAtFprOptions>): number;
export function tprAtFpr(...args: unknown[]): number {
  const { scoreArgs, options } = parseArguments<TprAtFprOptions>(args);
  const target = options.targetFpr ?? 0.05;
  checkRate('tprAtFpr', 'targetFpr', target, true);
  const sorted = sortScores('tprAtFpr', scoreArgs);
  return tprAtFprSorted(sorted, target, options.positive ?? 'id', options.mode ?? 'first-crossing');
}

/** TPR at a target FPR of already validated, ascending-sorted groups. */
export function tprAtFprSorted(sorted: SortedScores, targetFpr: number, positive: PositiveClass, mode: OperatingPointMode): number {
  const { numPos, numNeg } = groupSizes(sorted, positive);
  let tpr0 = 0;
  let fpr0 = 0;
  walkOperatingPoints(sorted, positive, (tp, fp) => {
    const tpr1 = tp / numPos;
    const fpr1 = fp / numNeg;
    if (fpr1 > targetFpr) {
      if (mode === 'interpolated') tpr0 += ((targetFpr - fpr0) * (tpr1 - tpr0)) / (fpr1 - fpr0);
      return true;
    }
    tpr0 = tpr1;
    fpr0 = fpr1;
    return false;
  });
  return tpr0;
}
