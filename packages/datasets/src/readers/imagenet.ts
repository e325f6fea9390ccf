import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CorruptFileError, InvalidArgumentError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { MissingClassFolderError } from '../errors/missing-class-folder-error';
import { loadClassFolders, type FolderDataset } from './image-folder';
import { createLazyFileDataset, type ImageFolderDecodeOptions } from './lazy-file-dataset';
import { DEFAULT_IMAGE_EXTENSIONS, ensureDirectory, listImageFiles } from './list-image-files';
import { isNotFound } from './read-file-bytes';

/**
 * Reads a class list file: one class id (WordNet id such as `n01440764`) per line, first token
 * of the line (so `LOC_synset_mapping.txt`'s "n01440764 tench, Tinca tinca" works too). Blank
 * lines and lines starting with '#' are skipped. Label = line order. Duplicates are an error.
 */
export async function readClassList(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) {
      throw new DatasetNotFoundError(path, 'expected a class list file (one class id per line), found none.', {
        cause: error,
      });
    }
    throw error;
  }
  const ids = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => line.split(/[\s,]+/)[0] as string);
  checkClassIds(ids, path);
  return ids;
}

function checkClassIds(ids: readonly string[], source: string): void {
  if (ids.length === 0) {
    throw new InvalidArgumentError(`${source}: expected at least one class id in the class list, found none.`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) {
      throw new InvalidArgumentError(`${source}: expected distinct class ids, found "${id}" twice.`);
    }
    seen.add(id);
  }
}

/** Options of `loadImageNet`. */
export interface ImageNetOptions extends ImageFolderDecodeOptions {
  /** Folder holding `train/` and `val/` (the usual extracted ILSVRC-2012 layout). */
  root: string;
  /** 'train' (`root/train/<wnid>/*.JPEG`) or 'val'. Default 'train'. */
  split?: 'train' | 'val';
  /**
   * The classes to read and their order (label = position): a path to a file with one class id
   * per line, or the ids. A subset of the 1000 classes (a fold) reads only those classes.
   */
  classList: string | readonly string[];
  /**
   * For a flat `val/` folder (all images in one folder): a label file. Lines `<image> <wnid>`
   * (space or comma separated, e.g. `LOC_val_solution.csv`, whose header is skipped), image
   * name with or without extension; or one wnid per line, in sorted file-name order. Images of
   * classes outside `classList` are left out. Not needed when `val/` has class subfolders.
   */
  valLabels?: string;
  /** File endings read as images (case-insensitive). Default `.jpg .jpeg .png .webp`. */
  extensions?: readonly string[];
  /** Keep listed classes whose folder holds no image. Default false (`EmptyClassFolderError`). */
  allowEmptyClasses?: boolean;
}

/**
 * ImageNet (or any dataset in its layout) restricted to and ordered by a class list. Train and
 * class-subfolder val read `<split>/<wnid>/`; a flat val reads `val/` with `valLabels`. Throws
 * `MissingClassFolderError` for a listed class without its folder.
 */
export async function loadImageNet(options: ImageNetOptions): Promise<FolderDataset> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'val') {
    throw new InvalidArgumentError(`expected split 'train' or 'val', got ${JSON.stringify(split)}.`);
  }
  const extensions = options.extensions ?? DEFAULT_IMAGE_EXTENSIONS;
  const classIds =
    typeof options.classList === 'string' ? await readClassList(options.classList) : [...options.classList];
  if (typeof options.classList !== 'string') checkClassIds(classIds, 'classList');
  const splitRoot = join(options.root, split);
  await ensureDirectory(splitRoot, `Expected the ImageNet layout ${options.root}/{train,val}/.`);
  const hasClassFolders = split === 'train' || (await isDirectory(join(splitRoot, classIds[0] as string)));
  if (hasClassFolders) {
    for (const id of classIds) {
      if (!(await isDirectory(join(splitRoot, id)))) {
        throw new MissingClassFolderError(
          join(splitRoot, id),
          id,
          `Check the class list (${typeof options.classList === 'string' ? options.classList : 'classList'}) against ${splitRoot}.`,
        );
      }
    }
    return loadClassFolders(splitRoot, classIds, options, extensions);
  }
  return loadFlatVal(splitRoot, classIds, options, extensions);
}

async function loadFlatVal(
  valRoot: string,
  classIds: readonly string[],
  options: ImageNetOptions,
  extensions: readonly string[],
): Promise<FolderDataset> {
  if (options.valLabels === undefined) {
    throw new InvalidArgumentError(
      `${valRoot} has no class subfolders (no ${classIds[0]}/), so it is a flat val folder: pass ` +
        'valLabels (a file of "<image> <wnid>" lines), or sort val into class subfolders.',
    );
  }
  const listing = await listImageFiles(valRoot, extensions);
  let text: string;
  try {
    text = await readFile(options.valLabels, 'utf8');
  } catch (error) {
    if (isNotFound(error)) {
      throw new DatasetNotFoundError(options.valLabels, 'expected the val label file, found none.', { cause: error });
    }
    throw error;
  }
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const byName = new Map<string, string>();
  const positional = lines.every((line) => line.split(/[\s,]+/).length === 1);
  if (positional) {
    if (lines.length > 0 && lines.every((line) => /^\d+$/.test(line))) {
      throw new CorruptFileError(
        options.valLabels,
        'expected wnids (n01440764, ...), found numbers: this looks like ILSVRC2012_validation_ground_truth.txt, ' +
          "whose ids follow the devkit's meta.mat order, not the wnids. Use LOC_val_solution.csv, or a file of " +
          '"<image> <wnid>" lines, or sort val into class subfolders.',
      );
    }
    if (lines.length !== listing.paths.length) {
      throw new CorruptFileError(
        options.valLabels,
        `expected one wnid per image of ${valRoot} (${listing.paths.length}), found ${lines.length} lines.`,
      );
    }
    listing.paths.forEach((path, i) => byName.set(path, lines[i] as string));
  } else {
    const pathOf = new Map<string, string>();
    for (const path of listing.paths) {
      const name = basename(path);
      pathOf.set(name, path);
      pathOf.set(name.slice(0, name.length - extname(name).length), path);
    }
    for (const line of lines) {
      const [name, wnid] = line.split(/[\s,]+/) as [string, string];
      const path = pathOf.get(name);
      if (path !== undefined) byName.set(path, wnid);
    }
  }
  const labelOf = new Map(classIds.map((id, i) => [id, i]));
  const paths: string[] = [];
  const labels: number[] = [];
  const missing: string[] = [];
  for (const path of listing.paths) {
    const wnid = byName.get(path);
    if (wnid === undefined) {
      missing.push(path);
      continue;
    }
    const label = labelOf.get(wnid);
    if (label !== undefined) {
      paths.push(path);
      labels.push(label);
    }
  }
  if (missing.length > 0) {
    throw new CorruptFileError(
      options.valLabels,
      `expected a label line for every image in ${valRoot}, found none for ${missing.length} ` +
        `(first: ${basename(missing[0] as string)}).`,
    );
  }
  if (!options.allowEmptyClasses) {
    const counts = new Int32Array(classIds.length);
    for (const label of labels) counts[label] = (counts[label] as number) + 1;
    const empty = classIds.findIndex((_, i) => counts[i] === 0);
    if (empty >= 0) {
      throw new MissingClassFolderError(
        valRoot,
        classIds[empty] as string,
        `No val image is labelled ${classIds[empty]} in ${options.valLabels}; pass allowEmptyClasses: true to accept it.`,
      );
    }
  }
  const dataset = createLazyFileDataset({ paths, labels: Int32Array.from(labels), classNames: classIds, decode: options });
  return Object.assign(dataset, { ignoredFileCount: listing.ignoredFileCount });
}

async function isDirectory(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ?? false;
}
