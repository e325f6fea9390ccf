import { CorruptFileError } from '@hvcm/metrics';

/**
 * An image file in a folder dataset cannot be read or decoded (not an image, truncated,
 * unreadable). `path` names the file. Pass `onBadFile: 'skip'` to drop such files and count them.
 */
export class BadImageFileError extends CorruptFileError {
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(
      path,
      `expected a decodable JPEG/PNG/WebP image, but decoding failed: ${reason}. ` +
        "Remove or replace the file, or pass onBadFile: 'skip' to skip bad files and count them.",
      options,
    );
    this.name = 'BadImageFileError';
  }
}
