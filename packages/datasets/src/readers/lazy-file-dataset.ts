import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { BadImageFileError } from '../errors/bad-image-file-error';
import { decodeImage, resolveDecodeOptions, type ImageDecodeOptions } from './decode-image';
import type { BadFileRecord, LazyImageDataset } from './image-dataset';

/** What to do with a file that cannot be decoded. */
export type OnBadFile = 'error' | 'skip';

/** Options shared by every folder reader. */
export interface ImageFolderDecodeOptions extends ImageDecodeOptions {
  /**
   * 'error' (default): decoding a bad file rejects with `BadImageFileError` naming it.
   * 'skip': the sample is dropped from its batch and recorded in `dataset.badFiles`.
   */
  onBadFile?: OnBadFile;
}

/**
 * A lazy dataset over image files: holds only `paths` and `labels`; `decode(i)` reads and
 * decodes file `i` with sharp when asked (the loader asks one batch at a time).
 */
export function createLazyFileDataset(fields: {
  paths: readonly string[];
  labels: Int32Array;
  classNames: readonly string[];
  decode: ImageFolderDecodeOptions;
}): LazyImageDataset {
  const { paths, labels, classNames } = fields;
  if (paths.length !== labels.length) {
    throw new ShapeMismatchError(`expected one label per file, got ${paths.length} files and ${labels.length} labels.`);
  }
  const options = resolveDecodeOptions(fields.decode);
  const onBadFile = fields.decode.onBadFile ?? 'error';
  if (onBadFile !== 'error' && onBadFile !== 'skip') {
    throw new InvalidArgumentError(`expected onBadFile 'error' or 'skip', got ${JSON.stringify(onBadFile)}.`);
  }
  const badFiles: BadFileRecord[] = [];
  const n = paths.length;
  return {
    kind: 'lazy',
    length: n,
    height: options.height,
    width: options.width,
    channels: options.channels,
    labels,
    classNames,
    paths,
    badFiles,
    async decode(index: number): Promise<Uint8Array | null> {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new InvalidArgumentError(`decode: expected an index in [0, ${n}), got ${index}.`);
      }
      const path = paths[index] as string;
      try {
        return await decodeImage(path, options);
      } catch (error) {
        const reason = (error as Error).message ?? String(error);
        if (onBadFile === 'skip') {
          badFiles.push({ index, path, reason });
          return null;
        }
        throw new BadImageFileError(path, reason, { cause: error });
      }
    },
  };
}
