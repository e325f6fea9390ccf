// Public API of @hvcm/backbones: filled in by its issue.

// Models, registry, FLOP counts (engineer B2).
export type {
  Backbone,
  BackboneOptions,
  BackboneOutput,
  FoldedBackbone,
  ForwardOptions,
  ResolvedBackboneOptions,
} from './models/backbone';
export type { BlockKind, ConvDescription, ResNetDescription, ResNetSpec, StemKind } from './models/resnet-spec';
export { countParameters, describeResNet } from './models/resnet-spec';
export { ResNet } from './models/resnet';
export { createTinyConvNet, type TinyConvNet, type TinyConvNetOptions } from './models/tiny-conv-net';
export {
  backboneSpec,
  createBackbone,
  listBackbones,
  resolveBackboneOptions,
  type BackboneInfo,
} from './registry';
export { countFlops, type FlopCount } from './flops';
export { normalizeWithBatchStatistics, type BatchNormTrainingResult } from './models/batch-norm-training-op';

// Weight files (engineer B2).
export { saveBackbone } from './weights/save-backbone';
export { loadBackbone, loadBackboneWeights, readWeightsMetadata } from './weights/load-backbone';
export {
  METADATA_FILE,
  WEIGHTS_FILE,
  type TensorEntry,
  type WeightsMetadata,
} from './weights/weights-format';

// Backend selection and fast wasm training kernels (engineer B1).
export { selectBackend, type BackendSelection, type SelectBackendOptions } from './backend/select-backend';
export { BACKEND_ORDER, parseBackendName, type BackendName } from './backend/backend-name';
export type { BackendAttempt } from './backend/backend-attempt';
export { BackendUnavailableError } from './backend/backend-unavailable-error';
export { defaultModuleLoader, type ModuleLoader } from './backend/module-loader';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernelsRegistered,
} from './gradients/register-wasm-training-kernels';
export { setWinogradEnabled } from './kernels/winograd-conv2d';
export { kernelModuleAvailable, kernelModulePath } from './kernels/kernel-module';

// Data-parallel training over worker threads (engineer B1).
export {
  createDataParallelStep,
  type DataParallelStep,
  type DataParallelStepOptions,
  type StepResult,
} from './parallel/data-parallel-step';
export { ReplicaWorkerError, type ReplicaRecovery, type WorkerDeath } from './parallel/replica-worker-error';
export type { ProgramReference, TrainingProgram, TrainingProgramFactory } from './parallel/training-program';
export type { OptimizerSpec } from './parallel/optimizer-spec';
export type { BatchArray } from './parallel/batch-arrays';
export {
  createBackboneClassifierProgram,
  type BackboneClassifierProgramOptions,
} from './parallel/backbone-classifier-program';
export { backboneClassifierProgram } from './parallel/backbone-classifier-reference';
export { threadCpuTimeMs } from './parallel/thread-cpu-time';
