// Public API of @hvcm/grouped-gmm.
export { HvcmHead, type HvcmHeadOptions, type HvcmHeadOutput } from './head/hvcm-head';
export { DenseLayer, type DenseLayerOptions, type KernelInit } from './head/dense-layer';
export { gelu, l2NormalizeRows } from './head/activations';
export { HvcmLoss, defaultCenterLearningRate, type HvcmLossOptions, type HvcmLossTerms, type HvcmRecipe } from './loss/hvcm-loss';
export { HVCM_DIVERGENCES, pairTerms, klFromLogits, jensenShannonFromLogits, type HvcmDivergence, type PairTerms } from './loss/divergence';
export { stopGradient } from './loss/stop-gradient';
export { updateClassGroupWeights } from './loss/class-group-weights';
export { fitHvcmGaussians, type AttributeBatch, type FitHvcmGaussiansOptions } from './fit/fit-hvcm-gaussians';
export { HvcmScorer, type HvcmScorerOptions, type HvcmThresholds } from './scorer/hvcm-scorer';
export { cosineLogits } from './scorer/cosine-classifier';
export { packSidecar, unpackSidecarArray, verifySidecar, writeFileAtomic, type SidecarArray, type SidecarIndex } from './scorer/sidecar';
export { hvcmTrainStep, type HvcmTrainStepOptions, type HvcmStepResult } from './train/hvcm-train-step';
