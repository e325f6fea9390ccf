export { classFolds, imagenetClassFolds, foldSampleIndices, complementClasses } from './class-folds';
export {
  type OpenSetSplit,
  type OpenSetSelection,
  MNIST_OPEN_SET_SPLITS,
  openSetSplitFromKnown,
  mnistOpenSetSplit,
  openSetSplit,
  knownClassMap,
  selectOpenSet,
  remapKnownLabels,
} from './open-set';
export { type ValidationSplitOptions, type ValidationSplit, validationSplit } from './validation-split';
export { type NearToFarOptions, type NearToFarResult, nearToFarOodSets } from './near-to-far';
