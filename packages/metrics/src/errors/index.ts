export { HvcmError, type HvcmErrorCode } from './hvcm-error';
export { InvalidArgumentError } from './invalid-argument-error';
export { ShapeMismatchError } from './shape-mismatch-error';
export { NonFiniteInputError } from './non-finite-input-error';
export { NotFittedError } from './not-fitted-error';
export { CorruptFileError } from './corrupt-file-error';
