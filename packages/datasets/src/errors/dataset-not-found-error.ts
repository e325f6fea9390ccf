import { HvcmError } from '@hvcm/metrics';

/**
 * A dataset's files or folder are not where they were looked for. `path` names the place
 * searched; the message says how to get the data or which option to pass instead.
 */
export class DatasetNotFoundError extends HvcmError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('DATASET_NOT_FOUND', `${path}: ${message}`, options);
    this.name = 'DatasetNotFoundError';
    this.path = path;
  }
}
