import { checkRate } from './input/check-rate';
import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { SortedScores, LabelledScores, Scores } from './input/score-types';
import { groupSizes, walkOperatingPoints, type PositiveClass } from './curves/walk-operating-points';

/**
 * How an operating point at a target rate is read off the ROC curve.
 * - `'first-crossing'`: the first ROC vertex (distinct threshold) whose TPR reaches the target
 *   (OpenOOD: `fpr[argmax(tpr >= target)]`); a rate that some threshold really achieves.
 * - `'interpolated'`: linear interpolation between the last vertex below the target and the first at
 *   or above it (the HVCM release's `calc_fpr`).
 */
export type OperatingPointMode = 'first-crossing' | 'interpolated';

export interface FprAtTprOptions {
  /** Target true-positive rate in (0, 1]. Default 0.95. */
  readonly targetTpr: number;
  /**
   * `'id'` (default): FPR = fraction of OOD accepted when `targetTpr` of ID is accepted ("FPR95 (ID positive)").
   * `'ood'`: FPR = fraction of ID rejected when `targetTpr` of OOD is rejected ("FPR95 (OOD positive)").
   */
  readonly positive: PositiveClass;
  /** Default `'first-crossing'`. */
  readonly mode: OperatingPointMode;
}

/**
 * False-positive rate at a target true-positive rate, for in-distribution scores (higher = more
 * in-distribution). Both conventions of DESIGN.md section 4 via `positive`, both readings via `mode`.
 * First-crossing equals scikit-learn's `fpr[np.argmax(tpr >= target)]` on
 * `roc_curve(..., drop_intermediate=False)`.
 */
export function fprAtTpr(id: Scores, ood: Scores, options?: Partial<FprAtTprOptions>): number;
export function fprAtTpr(labelled: LabelledScores, options?: Partial<FprAtTprOptions>): number;
export function fprAtTpr(...args: unknown[]): number {
  const { scoreArgs, options } = parseArguments<FprAtTprOptions>(args);
  const target = options.targetTpr ?? 0.95;
  checkRate('fprAtTpr', 'targetTpr', target, false);
  const sorted = sortScores('fprAtTpr', scoreArgs);
  return fprAtTprSorted(sorted, target, options.positive ?? 'id', options.mode ?? 'first-crossing');
}

/** FPR at a target TPR of already validated, ascending-sorted groups. */
export function fprAtTprSorted(sorted: SortedScores, targetTpr: number, positive: PositiveClass, mode: OperatingPointMode): number {
  const { numPos, numNeg } = groupSizes(sorted, positive);
  const acc = new FprAtTprAccumulator(targetTpr, numPos, numNeg);
  walkOperatingPoints(sorted, positive, (tp, fp) => acc.visit(tp, fp));
  return acc.result(mode);
}

/**
 * Finds the first ROC vertex at or above the target TPR and remembers the vertex before it, so
 * both readings come out of one walk. `visit` returns true once the vertex is found.
 */
export class FprAtTprAccumulator {
  private tpr0 = 0;
  private fpr0 = 0;
  private tpr1 = 1;
  private fpr1 = 1;
  private found = false;

  constructor(
    private readonly targetTpr: number,
    private readonly numPos: number,
    private readonly numNeg: number,
  ) {}

  visit(tp: number, fp: number): boolean {
    if (this.found) return true;
    const tpr1 = tp / this.numPos;
    const fpr1 = fp / this.numNeg;
    if (tpr1 >= this.targetTpr) {
      this.tpr1 = tpr1;
      this.fpr1 = fpr1;
      this.found = true;
      return true;
    }
    this.tpr0 = tpr1;
    this.fpr0 = fpr1;
    return false;
  }

  result(mode: OperatingPointMode): number {
    const { targetTpr, tpr0, fpr0, tpr1, fpr1 } = this;
    if (mode === 'first-crossing') return fpr1;
    // The release's formula, kept term for term so results match it to the last bit.
    return ((targetTpr - tpr0) * fpr1 + (tpr1 - targetTpr) * fpr0) / (tpr1 - tpr0);
  }
}
