import { CorruptFileError } from '@hvcm/metrics';

/**
 * A class folder holds no image file (by extension), so the class would have no samples.
 * `path` is the folder. Pass `allowEmptyClasses: true` to keep such a class with no samples.
 */
export class EmptyClassFolderError extends CorruptFileError {
  readonly className: string;

  constructor(path: string, className: string, extensions: readonly string[]) {
    super(
      path,
      `class folder "${className}" holds no image file: expected at least one file ending in ` +
        `${extensions.join(', ')} (searched recursively), found none. Remove the folder, add images, ` +
        'or pass allowEmptyClasses: true.',
    );
    this.name = 'EmptyClassFolderError';
    this.className = className;
  }
}
