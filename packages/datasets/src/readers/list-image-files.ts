import { readdir, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { isNotFound } from './read-file-bytes';

/** File endings read as images (compared case-insensitively: ImageNet uses `.JPEG`). */
export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp'];

/** Result of listing a folder: image paths in a stable order, and how many other files were passed over. */
export interface ImageFileListing {
  readonly paths: string[];
  readonly ignoredFileCount: number;
}

/**
 * Lists image files under `root` recursively (paths only, nothing is decoded), sorted by name
 * at every level (code-unit order, as Python's `sorted`), so the order is the same on every
 * machine. Hidden entries (starting with '.') are skipped; symbolic links are followed, each
 * folder at most once.
 */
export async function listImageFiles(
  root: string,
  extensions: readonly string[] = DEFAULT_IMAGE_EXTENSIONS,
): Promise<ImageFileListing> {
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  const paths: string[] = [];
  let ignored = 0;
  // Folders already walked (device:inode), so a symbolic link back up the tree cannot loop.
  const visited = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const info = await stat(dir);
    const key = `${info.dev}:${info.ino}`;
    if (visited.has(key)) return;
    visited.add(key);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      // Plain concatenation, not path.join: V8 keeps join's results at ~400 bytes per path against
      // ~100 for a concatenation (measured on 100 000 paths), which matters for a million files.
      const path = dir.endsWith(sep) ? dir + entry.name : dir + sep + entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await walk(path);
      else if (isFile && wanted.has(extname(entry.name).toLowerCase())) paths.push(path);
      else ignored += 1;
    }
  };
  await ensureDirectory(root);
  // Normalise the root once (trailing separators, '.' parts): entries then append plainly.
  await walk(join(root));
  return { paths, ignoredFileCount: ignored };
}

/** Throws `DatasetNotFoundError` unless `path` is an existing folder. */
export async function ensureDirectory(path: string, hint = ''): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) {
      throw new DatasetNotFoundError(path, `expected a folder, found a file.${hint ? ` ${hint}` : ''}`);
    }
  } catch (error) {
    if (isNotFound(error)) {
      throw new DatasetNotFoundError(path, `expected a folder here, found nothing.${hint ? ` ${hint}` : ''}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Immediate subfolders of `root` (hidden ones skipped), sorted by name. */
export async function listSubfolders(root: string): Promise<string[]> {
  await ensureDirectory(root);
  const entries = await readdir(root, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) names.push(entry.name);
    else if (entry.isSymbolicLink()) {
      const target = await stat(join(root, entry.name)).catch(() => undefined);
      if (target?.isDirectory()) names.push(entry.name);
    }
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
