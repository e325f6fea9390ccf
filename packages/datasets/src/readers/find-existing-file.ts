import { access } from 'node:fs/promises';
import { join } from 'node:path';

/** The first of `names` (relative to `directory`) that exists, or undefined. */
export async function findExistingFile(directory: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const path = join(directory, name);
    try {
      await access(path);
      return path;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
