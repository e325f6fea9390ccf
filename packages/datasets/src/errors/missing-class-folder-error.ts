import { DatasetNotFoundError } from './dataset-not-found-error';

/** A class list names a class whose folder does not exist under the dataset root. */
export class MissingClassFolderError extends DatasetNotFoundError {
  readonly className: string;

  constructor(path: string, className: string, detail: string) {
    super(path, `expected a folder for class "${className}" (named in the class list), found none. ${detail}`);
    this.name = 'MissingClassFolderError';
    this.className = className;
  }
}
