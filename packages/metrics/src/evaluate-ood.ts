import { AurocAccumulator } from './auroc';
import { AveragePrecisionAccumulator } from './average-precision';
import { DetectionAccuracyAccumulator } from './detection-accuracy';
import { FprAtTprAccumulator } from './fpr-at-tpr';
import { walkOperatingPoints } from './curves/walk-operating-points';
import { checkRate } from './input/check-rate';
import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { LabelledScores, Scores } from './input/score-types';
import { acceptedCount } from './threshold-at-tpr';

/** FPR at the target TPR read both ways off the ROC curve. */
export interface FprReadings {
  readonly firstCrossing: number;
  readonly interpolated: number;
}

/** Every OOD metric of one ID/OOD pair, each named with its convention. Rates are fractions in [0, 1]. */
export interface OodEvaluation {
  readonly numId: number;
  readonly numOod: number;
  /** The TPR at which the FPRs below are read (default 0.95: "FPR95"). */
  readonly targetTpr: number;
  readonly auroc: number;
  /** Average precision, ID positive. */
  readonly auprIn: number;
  /** Average precision, OOD positive. */
  readonly auprOut: number;
  /** "FPR95 (ID positive)": fraction of OOD accepted when `targetTpr` of ID is accepted. */
  readonly fprIdPositive: FprReadings;
  /** "FPR95 (OOD positive)": fraction of ID rejected when `targetTpr` of OOD is rejected (HVCM release, OpenOOD). */
  readonly fprOodPositive: FprReadings;
  /** Best balanced detection accuracy (ODIN's definition). */
  readonly detectionAccuracy: number;
  /** Threshold reaching `detectionAccuracy` (accept as ID when `score >= threshold`). */
  readonly detectionThreshold: number;
  /** Threshold accepting `targetTpr` of the ID scores given (accept as ID when `score >= threshold`). */
  readonly idThreshold: number;
}

export interface EvaluateOodOptions {
  /** Target TPR for the FPR readings and `idThreshold`, in (0, 1]. Default 0.95. */
  readonly targetTpr: number;
}

/**
 * All OOD metrics at once for in-distribution scores (higher = more in-distribution): one sort and
 * two walks over the thresholds (ID positive, then OOD positive), O(n) after the radix sort.
 */
export function evaluateOod(id: Scores, ood: Scores, options?: Partial<EvaluateOodOptions>): OodEvaluation;
export function evaluateOod(labelled: LabelledScores, options?: Partial<EvaluateOodOptions>): OodEvaluation;
export function evaluateOod(...args: unknown[]): OodEvaluation {
  const { scoreArgs, options } = parseArguments<EvaluateOodOptions>(args);
  const targetTpr = options.targetTpr ?? 0.95;
  checkRate('evaluateOod', 'targetTpr', targetTpr, false);
  const sorted = sortScores('evaluateOod', scoreArgs);
  const numId = sorted.id.length;
  const numOod = sorted.ood.length;
  const rocArea = new AurocAccumulator(numId, numOod);
  const apIn = new AveragePrecisionAccumulator(numId);
  const fprId = new FprAtTprAccumulator(targetTpr, numId, numOod);
  const best = new DetectionAccuracyAccumulator(numId, numOod);
  walkOperatingPoints(sorted, 'id', (tp, fp, t) => {
    rocArea.visit(tp, fp);
    apIn.visit(tp, fp);
    fprId.visit(tp, fp);
    best.visit(tp, fp, t);
  });
  const apOut = new AveragePrecisionAccumulator(numOod);
  const fprOod = new FprAtTprAccumulator(targetTpr, numOod, numId);
  walkOperatingPoints(sorted, 'ood', (tp, fp) => {
    apOut.visit(tp, fp);
    fprOod.visit(tp, fp);
  });
  const detection = best.result();
  return {
    numId,
    numOod,
    targetTpr,
    auroc: rocArea.result(),
    auprIn: apIn.result(),
    auprOut: apOut.result(),
    fprIdPositive: { firstCrossing: fprId.result('first-crossing'), interpolated: fprId.result('interpolated') },
    fprOodPositive: { firstCrossing: fprOod.result('first-crossing'), interpolated: fprOod.result('interpolated') },
    detectionAccuracy: detection.accuracy,
    detectionThreshold: detection.threshold,
    idThreshold: sorted.id[numId - acceptedCount(numId, targetTpr)] as number,
  };
}
