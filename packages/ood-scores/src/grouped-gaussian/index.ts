export { GroupedGaussianDetector, type GroupedGaussianOptions } from './grouped-gaussian-detector';
export { GroupedGaussianScorer, type GroupedGaussianScorerOptions, type GroupedGaussianScores } from './grouped-gaussian-scorer';
export { ClassGroupMoments, type FinishGroupedGaussianOptions, type FittedGroupedGaussians } from './class-group-moments';
export { uniformGroupWeights, expandGroupWeights, checkGroupedGaussianModel, type GroupedGaussianModel } from './grouped-gaussian-model';
export { formatGroupedRidgeReport, type GroupedRidgeReport } from './ridge-report';
export { referenceClassScores } from './reference-scores';
export { float64ToBase64, base64ToFloat64 } from './base64';
