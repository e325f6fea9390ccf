import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { createArrayDataset, subsetDataset } from './image-dataset';
import { loadFlatImageFolder } from './image-folder';
import { materializeDataset } from './materialize-dataset';
import { makeTempDir, writeRawImage } from './test-helpers';

describe('createArrayDataset', () => {
  it('checks that the buffer holds n images of h x w x c', () => {
    const ds = createArrayDataset({ images: new Uint8Array(12), labels: Int32Array.from([0, 1]), height: 2, width: 3, channels: 1 });
    expect([ds.length, ds.kind]).toEqual([2, 'array']);
    expect(() => createArrayDataset({ images: new Uint8Array(11), labels: Int32Array.from([0, 1]), height: 2, width: 3, channels: 1 })).toThrow(
      ShapeMismatchError,
    );
    expect(() => createArrayDataset({ images: new Uint8Array(0), labels: new Int32Array(0), height: 0, width: 3, channels: 1 })).toThrow(
      /positive integer height/,
    );
  });
});

describe('subsetDataset', () => {
  it('copies the chosen images of an array dataset, in the given order, optionally relabelled', () => {
    // 4 images of 1x1x2: image i = [10 i, 10 i + 1], label 5 + i.
    const ds = createArrayDataset({
      images: Uint8Array.from([0, 1, 10, 11, 20, 21, 30, 31]),
      labels: Int32Array.from([5, 6, 7, 8]),
      height: 1,
      width: 1,
      channels: 2,
      classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'],
    });
    const sub = subsetDataset(ds, [3, 1]);
    expect(Array.from(sub.images)).toEqual([30, 31, 10, 11]);
    expect(Array.from(sub.labels)).toEqual([8, 6]);
    expect(sub.classNames).toBe(ds.classNames);
    const relabelled = subsetDataset(ds, [2, 0], { labels: Int32Array.from([1, 0]), classNames: ['x', 'y'] });
    expect(Array.from(relabelled.labels)).toEqual([1, 0]);
    expect(relabelled.classNames).toEqual(['x', 'y']);
    expect(() => subsetDataset(ds, [4])).toThrow(InvalidArgumentError);
    expect(() => subsetDataset(ds, [0], { labels: new Int32Array(2) })).toThrow(ShapeMismatchError);
  });

  it('maps indices of a lazy dataset onto the same decoder', async () => {
    const { dir, cleanup } = await makeTempDir('subset');
    try {
      for (let k = 0; k < 3; k += 1) await writeRawImage(join(dir, `f${k}.png`), new Uint8Array(4).fill(50 * k), 2, 2, 1, 'png');
      const ds = await loadFlatImageFolder(dir, { size: 2, channels: 1 });
      const sub = subsetDataset(ds, [2, 0]);
      expect(sub.length).toBe(2);
      expect(sub.paths).toEqual([ds.paths[2], ds.paths[0]]);
      expect(Array.from((await sub.decode(0))!)).toEqual([100, 100, 100, 100]);
      expect(Array.from((await sub.decode(1))!)).toEqual([0, 0, 0, 0]);
      await expect(sub.decode(2)).rejects.toThrow(InvalidArgumentError);
    } finally {
      await cleanup();
    }
  });
});

describe('materializeDataset', () => {
  it('decodes a lazy dataset into memory, leaving out skipped files', async () => {
    const { dir, cleanup } = await makeTempDir('materialize');
    try {
      for (let k = 0; k < 3; k += 1) await writeRawImage(join(dir, `f${k}.png`), new Uint8Array(4).fill(40 * k), 2, 2, 1, 'png');
      await writeFile(join(dir, 'f1-bad.png'), 'garbage');
      const ds = await loadFlatImageFolder(dir, { size: 2, channels: 1, onBadFile: 'skip', label: 3 });
      expect(ds.length).toBe(4);
      const mem = await materializeDataset(ds, { concurrency: 2 });
      expect(mem.kind).toBe('array');
      expect(mem.length).toBe(3);
      expect(Array.from(mem.images)).toEqual([0, 0, 0, 0, 40, 40, 40, 40, 80, 80, 80, 80]);
      expect(Array.from(mem.labels)).toEqual([3, 3, 3]);
      // Sorted listing: f0.png, f1-bad.png, f1.png, f2.png -> the bad file is index 1.
      expect(Array.from(mem.sourceIndices)).toEqual([0, 2, 3]);
      await expect(materializeDataset(ds, { concurrency: 0 })).rejects.toThrow(InvalidArgumentError);
    } finally {
      await cleanup();
    }
  });
});
