import { parseArguments } from '../input/parse-arguments';
import { sortScores } from '../input/sort-scores';
import type { LabelledScores, Scores } from '../input/score-types';
import { groupSizes, walkOperatingPoints } from './walk-operating-points';
import type { CurveOptions } from './roc-curve';

/** Precision-recall points in scikit-learn's order: recall decreasing, ending at (recall 0, precision 1). */
export interface PrCurve {
  /** `[m + 1]` precision at each threshold, then 1. */
  readonly precision: Float64Array;
  /** `[m + 1]` recall at each threshold, then 0. */
  readonly recall: Float64Array;
  /**
   * `[m]` thresholds on the ID score, loosest first. Positive `'id'`: called ID when
   * `score >= threshold` (ascending). Positive `'ood'`: called OOD when `score <= threshold` (descending).
   */
  readonly thresholds: Float64Array;
}

/**
 * Precision-recall curve of in-distribution scores (higher = more in-distribution). Equals
 * scikit-learn 1.2's `precision_recall_curve(is_id, scores)` for positive `'id'` and
 * `precision_recall_curve(is_ood, -scores)` (thresholds negated) for `'ood'`.
 */
export function prCurve(id: Scores, ood: Scores, options?: Partial<CurveOptions>): PrCurve;
export function prCurve(labelled: LabelledScores, options?: Partial<CurveOptions>): PrCurve;
export function prCurve(...args: unknown[]): PrCurve {
  const { scoreArgs, options } = parseArguments<CurveOptions>(args);
  const positive = options.positive ?? 'id';
  const sorted = sortScores('prCurve', scoreArgs);
  const { numPos } = groupSizes(sorted, positive);
  const precision: number[] = [];
  const recall: number[] = [];
  const thresholds: number[] = [];
  walkOperatingPoints(sorted, positive, (tp, fp, t) => {
    precision.push(tp / (tp + fp));
    recall.push(tp / numPos);
    thresholds.push(t);
  });
  precision.reverse().push(1);
  recall.reverse().push(0);
  thresholds.reverse();
  return { precision: Float64Array.from(precision), recall: Float64Array.from(recall), thresholds: Float64Array.from(thresholds) };
}
