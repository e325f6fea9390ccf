import { HvcmError } from './hvcm-error';

/** A file is truncated, has a wrong magic number or does not match its metadata. `path` names it. */
export class CorruptFileError extends HvcmError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('CORRUPT_FILE', `${path}: ${message}`, options);
    this.name = 'CorruptFileError';
    this.path = path;
  }
}
