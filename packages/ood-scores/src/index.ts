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
export {
  createDetector,
  listDetectors,
  detectorFromJSON,
  DETECTOR_REGISTRY,
  type DetectorInfo,
  type DetectorInputKind,
  type DetectorName,
  type DetectorOptionsByName,
  type DetectorRegistryEntry,
} from './registry/registry';
// Re-exported so that users of this package need no direct import of @hvcm/metrics for error handling.
export {
  HvcmError,
  InvalidArgumentError,
  ShapeMismatchError,
  NonFiniteInputError,
  NotFittedError,
} from '@hvcm/metrics';
