import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { listImageFiles } from './list-image-files';
import { makeTempDir } from './test-helpers';

describe('listImageFiles', () => {
  it('lists image files recursively in sorted order, skips hidden entries, survives symlink loops', async () => {
    const { dir, cleanup } = await makeTempDir('list');
    try {
      for (const name of ['b.PNG', 'a.jpg', 'sub/c.webp', 'sub/deeper/d.jpeg', '.hidden.png', '.cache/e.png', 'notes.md']) {
        await mkdir(join(dir, name, '..'), { recursive: true });
        await writeFile(join(dir, name), 'x');
      }
      await symlink(dir, join(dir, 'sub', 'loop')); // points back at the root
      const listing = await listImageFiles(dir);
      expect(listing.paths.map((p) => relative(dir, p))).toEqual(['a.jpg', 'b.PNG', 'sub/c.webp', 'sub/deeper/d.jpeg']);
      expect(listing.ignoredFileCount).toBe(1);
      const pngOnly = await listImageFiles(dir, ['.png']);
      expect(pngOnly.paths.map((p) => relative(dir, p))).toEqual(['b.PNG']);
      await expect(listImageFiles(join(dir, 'a.jpg'))).rejects.toThrow(DatasetNotFoundError);
      await expect(listImageFiles(join(dir, 'a.jpg'))).rejects.toThrow(/expected a folder, found a file/);
    } finally {
      await cleanup();
    }
  });
});
