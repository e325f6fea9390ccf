import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '@hvcm/metrics';
import { BadImageFileError } from '../errors/bad-image-file-error';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { EmptyClassFolderError } from '../errors/empty-class-folder-error';
import { centerOffset, decodeImage, resolveDecodeOptions } from './decode-image';
import { loadFlatImageFolder, loadImageFolder } from './image-folder';
import { makeTempDir, writeRawImage, writeSolidImage } from './test-helpers';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
const RED = [255, 0, 0] as const;
const GREEN = [0, 255, 0] as const;
const BLUE = [0, 0, 255] as const;

/** 60x20 image: three 20-px vertical stripes red | green | blue. */
function stripes(): Uint8Array {
  const px = new Uint8Array(60 * 20 * 3);
  for (let y = 0; y < 20; y += 1) {
    for (let x = 0; x < 60; x += 1) px.set(x < 20 ? RED : x < 40 ? GREEN : BLUE, (y * 60 + x) * 3);
  }
  return px;
}

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('folders'));
  // ImageFolder: classes 'dog' and 'cat' (sorted -> cat 0, dog 1), PNG and JPEG, one nested image.
  const root = join(dir, 'classes');
  await writeSolidImage(join(root, 'dog', 'd1.png'), 12, 8, BLUE, 'png');
  await writeSolidImage(join(root, 'dog', 'nested', 'd2.jpg'), 8, 12, BLUE, 'jpeg');
  await writeSolidImage(join(root, 'cat', 'c1.png'), 10, 10, RED, 'png');
  await writeSolidImage(join(root, 'cat', 'c2.JPEG'), 16, 16, RED, 'jpeg');
  await writeFile(join(root, 'cat', 'notes.txt'), 'not an image, ignored by extension');
  await writeFile(join(root, 'stray-file-at-root.png'), 'ignored: not in a class folder');
  // Flat OOD folder: PNG, JPEG and WebP, nested one level, plus a non-image file.
  const flat = join(dir, 'flat');
  await writeSolidImage(join(flat, 'a.png'), 9, 9, GREEN, 'png');
  await writeSolidImage(join(flat, 'sub', 'b.jpeg'), 20, 10, GREEN, 'jpeg');
  await writeSolidImage(join(flat, 'c.webp'), 10, 20, GREEN, 'webp');
  await writeFile(join(flat, 'README'), 'ignored');
  await writeRawImage(join(dir, 'stripes.png'), stripes(), 60, 20, 3, 'png');
  const grey = new Uint8Array(6 * 6).fill(77);
  await writeRawImage(join(dir, 'grey.png'), grey, 6, 6, 1, 'png');
});
afterAll(() => cleanup());

/** Max absolute channel difference between pixel `p` of `img` (3 channels) and `rgb`. */
function distance(img: Uint8Array, p: number, rgb: readonly number[]): number {
  return Math.max(...rgb.map((v, c) => Math.abs(img[p * 3 + c]! - v)));
}

async function decodeAll(ds: { length: number; decode(i: number): Promise<Uint8Array | null> }) {
  return Promise.all(Array.from({ length: ds.length }, (_, i) => ds.decode(i)));
}

describe('loadImageFolder (class subfolders)', () => {
  it('lists sorted classes recursively and decodes PNG exactly and JPEG closely', async () => {
    const ds = await loadImageFolder(join(dir, 'classes'), { size: 4 });
    expect(ds.kind).toBe('lazy');
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.paths.map((p) => basename(p))).toEqual(['c1.png', 'c2.JPEG', 'd1.png', 'd2.jpg']);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]);
    expect(ds.ignoredFileCount).toBe(1); // notes.txt
    expect([ds.height, ds.width, ds.channels]).toEqual([4, 4, 3]);
    const images = await decodeAll(ds);
    const expected = [RED, RED, BLUE, BLUE];
    images.forEach((img, i) => {
      expect(img).not.toBeNull();
      expect(img!.length).toBe(4 * 4 * 3);
      const exact = ds.paths[i]!.endsWith('.png');
      for (let p = 0; p < 16; p += 1) {
        for (let c = 0; c < 3; c += 1) {
          const got = img![p * 3 + c]!;
          const want = expected[i]![c]!;
          if (exact) expect(got).toBe(want);
          else expect(Math.abs(got - want)).toBeLessThanOrEqual(8); // JPEG is lossy
        }
      }
    });
  });

  it('names an undecodable file, or skips and counts it with onBadFile: skip', async () => {
    const root = join(dir, 'bad');
    await writeSolidImage(join(root, 'a', 'good.png'), 5, 5, RED, 'png');
    await writeFile(join(root, 'a', 'broken.png'), 'this is not a PNG');
    // A JPEG cut in half (a download that stopped): libjpeg reports a premature end.
    await writeRawImage(join(root, 'full.jpg'), new Uint8Array(64 * 48 * 3).map((_, i) => (i * 37) % 256), 64, 48, 3, 'jpeg');
    const jpeg = await readFile(join(root, 'full.jpg'));
    await writeFile(join(root, 'a', 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    const strict = await loadImageFolder(root, { size: 5 });
    const brokenIndex = strict.paths.findIndex((p) => p.endsWith('broken.png'));
    const error = await strict.decode(brokenIndex).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadImageFileError);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as BadImageFileError).path).toBe(join(root, 'a', 'broken.png'));
    expect((error as Error).message).toMatch(/broken\.png: expected a decodable JPEG\/PNG\/WebP image/);
    const truncated = await strict.decode(strict.paths.findIndex((p) => p.endsWith('truncated.jpg'))).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(BadImageFileError);
    expect((truncated as Error).message).toMatch(/truncated\.jpg: .*premature end/);
    const lenient = await loadImageFolder(root, { size: 5, onBadFile: 'skip' });
    const results = await decodeAll(lenient);
    expect(results.filter((r) => r === null)).toHaveLength(2);
    expect(lenient.badFiles.map((b) => b.path).sort()).toEqual([join(root, 'a', 'broken.png'), join(root, 'a', 'truncated.jpg')]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it('rejects an empty class folder unless allowed, and a missing root', async () => {
    const root = join(dir, 'empty');
    await writeSolidImage(join(root, 'full', 'x.png'), 3, 3, RED, 'png');
    await mkdir(join(root, 'hollow'), { recursive: true });
    await writeFile(join(root, 'hollow', 'readme.txt'), 'no images here');
    const error = await loadImageFolder(root, { size: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmptyClassFolderError);
    expect((error as EmptyClassFolderError).className).toBe('hollow');
    expect((error as Error).message).toMatch(/class folder "hollow" holds no image/);
    const allowed = await loadImageFolder(root, { size: 3, allowEmptyClasses: true });
    expect(allowed.classNames).toEqual(['full', 'hollow']);
    expect(Array.from(allowed.labels)).toEqual([0]);
    await expect(loadImageFolder(join(dir, 'missing'), { size: 3 })).rejects.toThrow(DatasetNotFoundError);
    await expect(loadImageFolder(join(dir, 'flat', 'sub'), { size: 3 })).rejects.toThrow(/one subfolder per class/);
  });
});

describe('loadFlatImageFolder (OOD sets)', () => {
  it('lists PNG, JPEG and WebP recursively with label -1 and decodes them', async () => {
    const ds = await loadFlatImageFolder(join(dir, 'flat'), { size: [6, 8] });
    expect(ds.paths.map((p) => basename(p))).toEqual(['a.png', 'c.webp', 'b.jpeg']);
    expect(Array.from(ds.labels)).toEqual([-1, -1, -1]);
    expect(ds.ignoredFileCount).toBe(1);
    expect([ds.height, ds.width]).toEqual([6, 8]);
    for (const img of await decodeAll(ds)) {
      expect(img!.length).toBe(6 * 8 * 3);
      expect(Math.abs(img![1]! - 255)).toBeLessThanOrEqual(8);
      expect(img![0]!).toBeLessThanOrEqual(8);
    }
    const labelled = await loadFlatImageFolder(join(dir, 'flat'), { size: 4, label: 3, channels: 1 });
    expect(Array.from(labelled.labels)).toEqual([3, 3, 3]);
    expect(labelled.channels).toBe(1);
    expect((await labelled.decode(0))!.length).toBe(16);
  });

  it('rejects a folder without images', async () => {
    await mkdir(join(dir, 'no-images'), { recursive: true });
    await writeFile(join(dir, 'no-images', 'a.txt'), 'x');
    await expect(loadFlatImageFolder(join(dir, 'no-images'), { size: 4 })).rejects.toThrow(
      /expected image files .* found none \(1 other files\)/,
    );
  });
});

describe('decodeImage resizing', () => {
  it('center-crop keeps the middle, stretch keeps the whole width', async () => {
    const path = join(dir, 'stripes.png');
    const crop = await decodeImage(path, resolveDecodeOptions({ size: 10 }));
    // 60x20 -> shorter side 10 -> 30x10 -> centre 10x10 = the green stripe (its two edge
    // columns blend with the neighbours through the Lanczos kernel: check columns 2..7, and
    // allow the kernel's ringing of a few levels).
    for (let y = 0; y < 10; y += 1) {
      for (let x = 2; x < 8; x += 1) expect(distance(crop, y * 10 + x, GREEN)).toBeLessThanOrEqual(3);
    }
    const cropLarger = await decodeImage(path, resolveDecodeOptions({ size: 10, resizeShorterTo: 20 }));
    // 60x20 (shorter side already 20) -> centre 10x10 of the green stripe, via the crop-after path.
    for (let p = 0; p < 100; p += 1) expect(distance(cropLarger, p, GREEN)).toBe(0);
    const stretch = await decodeImage(path, resolveDecodeOptions({ size: [10, 30], resize: 'stretch' }));
    // 60 -> 30 columns: column 2 is red, column 15 green, column 27 blue (away from the edges).
    expect(distance(stretch, 5 * 30 + 2, RED)).toBeLessThanOrEqual(3);
    expect(distance(stretch, 5 * 30 + 15, GREEN)).toBeLessThanOrEqual(3);
    expect(distance(stretch, 5 * 30 + 27, BLUE)).toBeLessThanOrEqual(3);
  });

  it('replicates grey images to 3 channels and converts colour to 1 channel on request', async () => {
    const rgb = await decodeImage(join(dir, 'grey.png'), resolveDecodeOptions({ size: 6 }));
    expect(rgb.length).toBe(6 * 6 * 3);
    expect(new Set(rgb)).toEqual(new Set([77]));
    const grey = await decodeImage(join(dir, 'stripes.png'), resolveDecodeOptions({ size: 10, channels: 1 }));
    expect(grey.length).toBe(100);
    // PIL's convert('L') of pure green: (255 * 38470 + 0x8000) >> 16 = 150; column 5 is interior.
    expect(grey[5]).toBe(150);
  });

  it('centre-crop offsets follow torchvision (Python round, half to even)', () => {
    // Python: int(round((293 - 224) / 2.0)) = 34, (295 - 224) -> 36, (257 - 224) -> 16, (256 - 224) -> 16.
    expect(centerOffset(293, 224)).toBe(34);
    expect(centerOffset(295, 224)).toBe(36);
    expect(centerOffset(257, 224)).toBe(16);
    expect(centerOffset(256, 224)).toBe(16);
    expect(centerOffset(224, 224)).toBe(0);
  });

  it('rejects bad options', () => {
    expect(() => resolveDecodeOptions({ size: 4, interpolation: 'area' as 'nearest' })).toThrow(/interpolation/);
    expect(() => resolveDecodeOptions({ size: 0 })).toThrow(/positive integer output height/);
    expect(() => resolveDecodeOptions({ size: 10, resizeShorterTo: 5 })).toThrow(/resizeShorterTo/);
    expect(() => resolveDecodeOptions({ size: 10, channels: 2 as 3 })).toThrow(/channels 1 or 3/);
  });
});
