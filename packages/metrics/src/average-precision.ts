import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { SortedScores, LabelledScores, Scores } from './input/score-types';
import { groupSizes, walkOperatingPoints, type PositiveClass } from './curves/walk-operating-points';

/**
 * AUPR-In: average precision with in-distribution as the positive class and the ID score as the
 * decision value, exactly as scikit-learn's `average_precision_score(is_id, scores)`:
 * `sum_k (R_k - R_{k-1}) P_k` over distinct thresholds (no interpolation).
 */
export function auprIn(id: Scores, ood: Scores): number;
export function auprIn(labelled: LabelledScores): number;
export function auprIn(...args: unknown[]): number {
  const { scoreArgs } = parseArguments(args);
  return averagePrecisionSorted(sortScores('auprIn', scoreArgs), 'id');
}

/**
 * AUPR-Out: average precision with OOD as the positive class and the negated ID score as the
 * decision value: scikit-learn's `average_precision_score(is_ood, -scores)`.
 */
export function auprOut(id: Scores, ood: Scores): number;
export function auprOut(labelled: LabelledScores): number;
export function auprOut(...args: unknown[]): number {
  const { scoreArgs } = parseArguments(args);
  return averagePrecisionSorted(sortScores('auprOut', scoreArgs), 'ood');
}

/** Average precision of already validated, ascending-sorted groups. */
export function averagePrecisionSorted(sorted: SortedScores, positive: PositiveClass): number {
  const acc = new AveragePrecisionAccumulator(groupSizes(sorted, positive).numPos);
  walkOperatingPoints(sorted, positive, (tp, fp) => acc.visit(tp, fp));
  return acc.result();
}

/** Accumulates `sum_k (R_k - R_{k-1}) P_k` over a walk with the matching positive class. */
export class AveragePrecisionAccumulator {
  private sum = 0;
  private tpPrev = 0;

  constructor(private readonly numPos: number) {}

  visit(tp: number, fp: number): void {
    if (tp > this.tpPrev) this.sum += (tp - this.tpPrev) * (tp / (tp + fp));
    this.tpPrev = tp;
  }

  result(): number {
    return this.sum / this.numPos;
  }
}
