import { parseArguments } from '../input/parse-arguments';
import { sortScores } from '../input/sort-scores';
import type { LabelledScores, Scores } from '../input/score-types';
import { groupSizes, walkOperatingPoints, type PositiveClass } from './walk-operating-points';

/** ROC curve points, one per distinct threshold plus the starting point (0, 0). */
export interface RocCurve {
  /** `[m]` false-positive rates, non-decreasing from 0 to 1. */
  readonly fpr: Float64Array;
  /** `[m]` true-positive rates, non-decreasing from 0 to 1. */
  readonly tpr: Float64Array;
  /**
   * `[m]` thresholds on the ID score. Positive `'id'`: called ID when `score >= threshold`, first
   * threshold `+Infinity`. Positive `'ood'`: called OOD when `score <= threshold`, first `-Infinity`.
   */
  readonly thresholds: Float64Array;
}

export interface CurveOptions {
  /** Positive class; see `FprAtTprOptions.positive`. Default `'id'`. */
  readonly positive: PositiveClass;
}

/**
 * Every ROC point of in-distribution scores (higher = more in-distribution). Equals scikit-learn's
 * `roc_curve(is_id, scores, drop_intermediate=False)` for positive `'id'` and
 * `roc_curve(is_ood, -scores, drop_intermediate=False)` (thresholds negated) for `'ood'`.
 */
export function rocCurve(id: Scores, ood: Scores, options?: Partial<CurveOptions>): RocCurve;
export function rocCurve(labelled: LabelledScores, options?: Partial<CurveOptions>): RocCurve;
export function rocCurve(...args: unknown[]): RocCurve {
  const { scoreArgs, options } = parseArguments<CurveOptions>(args);
  const positive = options.positive ?? 'id';
  const sorted = sortScores('rocCurve', scoreArgs);
  const { numPos, numNeg } = groupSizes(sorted, positive);
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const thresholds: number[] = [positive === 'id' ? Infinity : -Infinity];
  walkOperatingPoints(sorted, positive, (tp, fp, t) => {
    fpr.push(fp / numNeg);
    tpr.push(tp / numPos);
    thresholds.push(t);
  });
  return { fpr: Float64Array.from(fpr), tpr: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}
