import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '@hvcm/metrics';
import { loadDataset, type DatasetSpec } from './load-dataset';
import { encodeIdxUint8, makeTempDir, writeBytes, writeSolidImage } from './test-helpers';

describe('loadDataset', () => {
  it('dispatches on format to the matching reader', async () => {
    const { dir, cleanup } = await makeTempDir('spec');
    try {
      await writeBytes(join(dir, 'img.gz'), encodeIdxUint8([2, 2, 2], Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])), true);
      await writeBytes(join(dir, 'lab'), encodeIdxUint8([2], Uint8Array.from([4, 2])));
      const idx = await loadDataset({ format: 'idx', images: join(dir, 'img.gz'), labels: join(dir, 'lab') });
      expect(idx.kind).toBe('array');
      expect(Array.from(idx.labels)).toEqual([4, 2]);
      await writeSolidImage(join(dir, 'folder', 'k', 'a.png'), 4, 4, [1, 2, 3], 'png');
      const folder = await loadDataset({ format: 'image-folder', root: join(dir, 'folder'), size: 2 });
      expect(folder.kind).toBe('lazy');
      expect(folder.classNames).toEqual(['k']);
      const flat = await loadDataset({ format: 'flat-folder', root: join(dir, 'folder'), size: 2, label: 7 });
      expect(Array.from(flat.labels)).toEqual([7]);
      const mnist = await loadDataset({ format: 'mnist', split: 'test' });
      expect(mnist.length).toBe(10000);
      await expect(loadDataset({ format: 'svhn' } as unknown as DatasetSpec)).rejects.toThrow(InvalidArgumentError);
      await expect(loadDataset({ format: 'svhn' } as unknown as DatasetSpec)).rejects.toThrow(/one of mnist, fashion-mnist/);
    } finally {
      await cleanup();
    }
  });
});
