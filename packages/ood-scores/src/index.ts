// Public API of @hvcm/ood-scores.
export type { Detector, FeatureInput, SerializedDetector } from './detector';
export { BaseDetector, DEFAULT_SCORE_BATCH } from './base-detector';
export {
  toFeatureMatrix,
  validateLabels,
  type FeatureMatrix,
  type FeatureMatrixOptions,
} from './input/feature-matrix';
export { checkSerialized, readNumber, readNumbers, toNumbers } from './serialization';
export { NotPositiveDefiniteError } from './errors/not-positive-definite-error';
export {
  RunningMoments,
  cholesky,
  tryCholesky,
  choleskyWithRidge,
  type RidgeOptions,
  type RidgedCholesky,
  solveLower,
  solveUpper,
  solveCholesky,
  transpose,
  inverseSpd,
  inverseFromCholesky,
  inverseLower,
  symmetricEigen,
  type SymmetricEigen,
} from './linear-algebra/index';
export { MspDetector } from './detectors/msp';
export { MaxLogitDetector } from './detectors/max-logit';
export { EnergyDetector, energyScore, type EnergyOptions } from './detectors/energy';
export { GenDetector, type GenOptions } from './detectors/gen';
export { OdinDetector, type OdinOptions, type OdinInput, type LogitsFunction } from './detectors/odin';
export { MahalanobisDetector, type MahalanobisOptions, type RidgeReport } from './detectors/mahalanobis';
export { RelativeMahalanobisDetector, type RelativeMahalanobisOptions } from './detectors/relative-mahalanobis';
export { KnnDetector, type KnnOptions } from './detectors/knn';
export { VimDetector, defaultVimDim, type VimOptions } from './detectors/vim';
export { ReactDetector, type ReactOptions } from './detectors/react';
export { readLinearLayer, type LinearLayer, type LinearLayerValues } from './input/linear-layer';
export { percentile } from './statistics/percentile';
export {
  WhitenedGaussianTensors,
  whitenGaussians,
  type WhitenedGaussians,
} from './detectors/whitened-gaussians';
export {
  createDetector,
  listDetectors,
  detectorFromJSON,
  DETECTOR_REGISTRY,
  type DetectorByName,
  type DetectorInfo,
  type DetectorInputKind,
  type DetectorName,
  type DetectorOptionsByName,
  type DetectorRegistryEntry,
} from './registry/registry';
export {
  GroupedGaussianDetector,
  GroupedGaussianScorer,
  ClassGroupMoments,
  uniformGroupWeights,
  expandGroupWeights,
  checkGroupedGaussianModel,
  formatGroupedRidgeReport,
  referenceClassScores,
  float64ToBase64,
  base64ToFloat64,
  type GroupedGaussianOptions,
  type GroupedGaussianScorerOptions,
  type GroupedGaussianScores,
  type GroupedGaussianModel,
  type GroupedRidgeReport,
  type FinishGroupedGaussianOptions,
  type FittedGroupedGaussians,
} from './grouped-gaussian/index';
// Re-exported so that users of this package need no direct import of @hvcm/metrics for error handling.
export {
  HvcmError,
  InvalidArgumentError,
  ShapeMismatchError,
  NonFiniteInputError,
  NotFittedError,
} from '@hvcm/metrics';
