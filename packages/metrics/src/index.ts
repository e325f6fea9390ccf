// Public API of @hvcm/metrics.
export {
  HvcmError,
  InvalidArgumentError,
  ShapeMismatchError,
  NonFiniteInputError,
  NotFittedError,
  CorruptFileError,
  type HvcmErrorCode,
} from './errors/index';
