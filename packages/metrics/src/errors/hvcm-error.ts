/** Machine-readable error codes shared by every `@hvcm/*` package. */
export type HvcmErrorCode =
  | 'INVALID_ARGUMENT'
  | 'SHAPE_MISMATCH'
  | 'NON_FINITE_INPUT'
  | 'NOT_FITTED'
  | 'CORRUPT_FILE'
  | 'BACKEND_UNAVAILABLE'
  | 'DATASET_NOT_FOUND'
  | 'REPLICA_WORKER_FAILED';

/**
 * Base class of every error thrown on purpose by an `@hvcm/*` package. `code` is stable and
 * meant for programs; `message` says what was expected, what was got and what to do.
 */
export class HvcmError extends Error {
  readonly code: HvcmErrorCode;

  constructor(code: HvcmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HvcmError';
    this.code = code;
  }
}
