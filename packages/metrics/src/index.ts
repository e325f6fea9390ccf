// Public API of @hvcm/metrics. Every function takes in-distribution scores: higher = more in-distribution.
export {
  HvcmError,
  InvalidArgumentError,
  ShapeMismatchError,
  NonFiniteInputError,
  NotFittedError,
  CorruptFileError,
  type HvcmErrorCode,
} from './errors/index';
export type { Scores, LabelledScores } from './input/score-types';
export type { PositiveClass } from './curves/walk-operating-points';
export { auroc } from './auroc';
export { auprIn, auprOut } from './average-precision';
export { fprAtTpr, type FprAtTprOptions, type OperatingPointMode } from './fpr-at-tpr';
export { tprAtFpr, type TprAtFprOptions } from './tpr-at-fpr';
export { thresholdAtTpr } from './threshold-at-tpr';
export { detectionAccuracy, type DetectionAccuracy } from './detection-accuracy';
export { accuracy } from './accuracy';
export { rocCurve, type RocCurve, type CurveOptions } from './curves/roc-curve';
export { prCurve, type PrCurve } from './curves/pr-curve';
export { evaluateOod, type OodEvaluation, type FprReadings, type EvaluateOodOptions } from './evaluate-ood';
export { formatEvaluationTable, type FormatTableOptions } from './format-evaluation-table';
export { rocCurveSvg } from './plots/roc-curve-svg';
export { scoreHistogramSvg } from './plots/histogram-svg';
