import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { SortedScores, LabelledScores, Scores } from './input/score-types';
import { walkOperatingPoints } from './curves/walk-operating-points';

/**
 * Area under the ROC curve for in-distribution scores (higher = more in-distribution).
 * Equals the Mann-Whitney statistic P(s_id > s_ood) + 0.5 P(s_id = s_ood), so exact ties count one
 * half; matches scikit-learn's `roc_auc_score(is_id, scores)`. O(n log n).
 */
export function auroc(id: Scores, ood: Scores): number;
export function auroc(labelled: LabelledScores): number;
export function auroc(...args: unknown[]): number {
  const { scoreArgs } = parseArguments(args);
  return aurocSorted(sortScores('auroc', scoreArgs));
}

/** AUROC of already validated, ascending-sorted groups (trapezoids over every distinct threshold). */
export function aurocSorted(sorted: SortedScores): number {
  const acc = new AurocAccumulator(sorted.id.length, sorted.ood.length);
  walkOperatingPoints(sorted, 'id', (tp, fp) => acc.visit(tp, fp));
  return acc.result();
}

/** Accumulates the ROC area over an ID-positive walk (so several metrics can share one walk). */
export class AurocAccumulator {
  private area = 0;
  private tpPrev = 0;
  private fpPrev = 0;

  constructor(
    private readonly numId: number,
    private readonly numOod: number,
  ) {}

  visit(tp: number, fp: number): void {
    this.area += (fp - this.fpPrev) * (tp + this.tpPrev);
    this.tpPrev = tp;
    this.fpPrev = fp;
  }

  result(): number {
    return this.area / (2 * this.numId * this.numOod);
  }
}
