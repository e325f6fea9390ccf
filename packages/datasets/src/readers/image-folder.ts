import { join } from 'node:path';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { EmptyClassFolderError } from '../errors/empty-class-folder-error';
import type { LazyImageDataset } from './image-dataset';
import { createLazyFileDataset, type ImageFolderDecodeOptions } from './lazy-file-dataset';
import { DEFAULT_IMAGE_EXTENSIONS, listImageFiles, listSubfolders } from './list-image-files';

/** Options of `loadImageFolder`. */
export interface ImageFolderOptions extends ImageFolderDecodeOptions {
  /** File endings read as images (case-insensitive). Default `.jpg .jpeg .png .webp`. */
  extensions?: readonly string[];
  /** Keep class folders with no image instead of throwing `EmptyClassFolderError`. Default false. */
  allowEmptyClasses?: boolean;
}

/** A lazy dataset plus how many non-image files the listing passed over. */
export type FolderDataset = LazyImageDataset & { readonly ignoredFileCount: number };

/**
 * torchvision ImageFolder layout: `root/<class>/**\/<image>`. Class names are the subfolder
 * names sorted (code-unit order), label = position in that order. Only paths are listed here;
 * images are decoded per batch. Throws `DatasetNotFoundError` when `root` is missing or has no
 * class folder and `EmptyClassFolderError` for a class folder without images.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions): Promise<FolderDataset> {
  const extensions = options.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
  const classNames = await listSubfolders(root);
  if (classNames.length === 0) {
    throw new DatasetNotFoundError(
      root,
      'expected one subfolder per class (ImageFolder layout root/<class>/<image>), found none. ' +
        'For a folder of unlabelled images use loadFlatImageFolder.',
    );
  }
  return loadClassFolders(root, classNames, options, extensions);
}

/** Lists `root/<name>` for each class name in order; label = index in `classNames`. */
export async function loadClassFolders(
  root: string,
  classNames: readonly string[],
  options: ImageFolderOptions,
  extensions: readonly string[],
): Promise<FolderDataset> {
  const listings = await Promise.all(classNames.map((name) => listImageFiles(join(root, name), extensions)));
  const paths: string[] = [];
  const labelList: number[] = [];
  let ignoredFileCount = 0;
  listings.forEach((listing, label) => {
    const name = classNames[label] as string;
    if (listing.paths.length === 0 && !options.allowEmptyClasses) {
      throw new EmptyClassFolderError(join(root, name), name, extensions);
    }
    for (const path of listing.paths) {
      paths.push(path);
      labelList.push(label);
    }
    ignoredFileCount += listing.ignoredFileCount;
  });
  const dataset = createLazyFileDataset({
    paths,
    labels: Int32Array.from(labelList),
    classNames,
    decode: options,
  });
  return Object.assign(dataset, { ignoredFileCount });
}

/** Options of `loadFlatImageFolder`. */
export interface FlatImageFolderOptions extends ImageFolderDecodeOptions {
  /** File endings read as images (case-insensitive). Default `.jpg .jpeg .png .webp`. */
  extensions?: readonly string[];
  /** Label given to every image. Default -1 ("no in-distribution class": OOD sets). */
  label?: number;
}

/**
 * A flat folder of unlabelled images, searched recursively (the layouts in which Textures/DTD,
 * iNaturalist, SUN, Places, ImageNet-O and OpenImage-O are distributed). Every sample gets
 * `label` (default -1). Throws `DatasetNotFoundError` when the folder is missing or holds no image.
 */
export async function loadFlatImageFolder(root: string, options: FlatImageFolderOptions): Promise<FolderDataset> {
  const extensions = options.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
  const listing = await listImageFiles(root, extensions);
  if (listing.paths.length === 0) {
    throw new DatasetNotFoundError(
      root,
      `expected image files (${extensions.join(', ')}) under this folder, found none ` +
        `(${listing.ignoredFileCount} other files).`,
    );
  }
  const labels = new Int32Array(listing.paths.length).fill(options.label ?? -1);
  const dataset = createLazyFileDataset({ paths: listing.paths, labels, classNames: [], decode: options });
  return Object.assign(dataset, { ignoredFileCount: listing.ignoredFileCount });
}
