import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError, InvalidArgumentError } from '@hvcm/metrics';
import { MissingClassFolderError } from '../errors/missing-class-folder-error';
import { loadImageNet, readClassList } from './imagenet';
import { makeTempDir, writeSolidImage } from './test-helpers';

let dir = '';
let cleanup: () => Promise<void> = async () => {};
const WNIDS = ['n01440764', 'n01443537', 'n01484850'];
const COLOURS: Record<string, [number, number, number]> = {
  n01440764: [255, 0, 0],
  n01443537: [0, 255, 0],
  n01484850: [0, 0, 255],
};

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir('imagenet'));
  for (const wnid of WNIDS) {
    for (let i = 0; i < 2; i += 1) {
      await writeSolidImage(join(dir, 'train', wnid, `${wnid}_${i}.JPEG`), 24 + 8 * i, 16, COLOURS[wnid]!, 'jpeg');
    }
  }
  // Flat val: 4 images; ILSVRC2012_val_00000003 belongs to a class outside the fold's list.
  const valWnids = ['n01484850', 'n01440764', 'n01443537', 'n01484850'];
  for (let i = 0; i < 4; i += 1) {
    await writeSolidImage(join(dir, 'val', `ILSVRC2012_val_0000000${i + 1}.JPEG`), 20, 20, COLOURS[valWnids[i]!]!, 'jpeg');
  }
  // LOC_val_solution.csv style: header, then "<ImageId>,<wnid> <box...>", in any order.
  await writeFile(
    join(dir, 'LOC_val_solution.csv'),
    'ImageId,PredictionString\n' +
      'ILSVRC2012_val_00000002,n01440764 1 2 3 4\n' +
      'ILSVRC2012_val_00000001,n01484850 1 2 3 4\n' +
      'ILSVRC2012_val_00000004,n01484850 5 6 7 8\n' +
      'ILSVRC2012_val_00000003,n01443537 1 1 2 2\n',
  );
  await writeFile(join(dir, 'val-positional.txt'), `${valWnids.join('\n')}\n`);
  // Fold class list in a non-sorted order, with a comment and a LOC_synset_mapping-style line.
  await writeFile(join(dir, 'fold.txt'), '# fold 0\nn01484850 great white shark\n\nn01440764\n');
  await writeFile(join(dir, 'bad-fold.txt'), 'n01440764\nn09999999\n');
});
afterAll(() => cleanup());

describe('ImageNet reader', () => {
  it('reads a class list file (first token per line, comments skipped)', async () => {
    expect(await readClassList(join(dir, 'fold.txt'))).toEqual(['n01484850', 'n01440764']);
    await writeFile(join(dir, 'dup.txt'), 'n1\nn1\n');
    await expect(readClassList(join(dir, 'dup.txt'))).rejects.toThrow(InvalidArgumentError);
  });

  it('train: reads only the listed classes, labelled in class-list order', async () => {
    const ds = await loadImageNet({ root: dir, classList: join(dir, 'fold.txt'), size: 8 });
    expect(ds.classNames).toEqual(['n01484850', 'n01440764']);
    expect(ds.paths.map((p) => basename(p))).toEqual([
      'n01484850_0.JPEG',
      'n01484850_1.JPEG',
      'n01440764_0.JPEG',
      'n01440764_1.JPEG',
    ]);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1]);
    const first = (await ds.decode(0))!;
    expect(first.length).toBe(8 * 8 * 3);
    expect(first[2]!).toBeGreaterThan(240); // blue channel of a blue image (JPEG, lossy)
  });

  it('train: a class list naming a missing folder is a MissingClassFolderError', async () => {
    const error = await loadImageNet({ root: dir, classList: join(dir, 'bad-fold.txt'), size: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingClassFolderError);
    expect((error as MissingClassFolderError).code).toBe('DATASET_NOT_FOUND');
    expect((error as MissingClassFolderError).className).toBe('n09999999');
    expect((error as Error).message).toMatch(/expected a folder for class "n09999999"/);
  });

  it('flat val with a LOC_val_solution-style file keeps the fold classes', async () => {
    const ds = await loadImageNet({
      root: dir,
      split: 'val',
      classList: ['n01484850', 'n01440764'],
      valLabels: join(dir, 'LOC_val_solution.csv'),
      size: 8,
    });
    expect(ds.paths.map((p) => basename(p))).toEqual([
      'ILSVRC2012_val_00000001.JPEG',
      'ILSVRC2012_val_00000002.JPEG',
      'ILSVRC2012_val_00000004.JPEG',
    ]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 0]);
  });

  it('flat val with one wnid per line in file order; errors name what is missing', async () => {
    const ds = await loadImageNet({
      root: dir,
      split: 'val',
      classList: WNIDS,
      valLabels: join(dir, 'val-positional.txt'),
      size: 8,
    });
    expect(Array.from(ds.labels)).toEqual([2, 0, 1, 2]);
    await expect(loadImageNet({ root: dir, split: 'val', classList: WNIDS, size: 8 })).rejects.toThrow(/pass valLabels/);
    await writeFile(join(dir, 'ground-truth.txt'), '490\n361\n171\n822\n');
    await expect(
      loadImageNet({ root: dir, split: 'val', classList: WNIDS, valLabels: join(dir, 'ground-truth.txt'), size: 8 }),
    ).rejects.toThrow(/looks like ILSVRC2012_validation_ground_truth\.txt/);
    await writeFile(join(dir, 'short.csv'), 'ILSVRC2012_val_00000001 n01484850\n');
    await expect(
      loadImageNet({ root: dir, split: 'val', classList: WNIDS, valLabels: join(dir, 'short.csv'), size: 8 }),
    ).rejects.toThrow(CorruptFileError);
  });

  it('val in class subfolders reads like train', async () => {
    const ds = await loadImageNet({ root: dir, split: 'train', classList: WNIDS, size: 8 });
    expect(ds.length).toBe(6);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1, 2, 2]);
    const valDir = join(dir, 'sorted');
    await writeSolidImage(join(valDir, 'val', 'n01440764', 'v.png'), 9, 9, [255, 0, 0], 'png');
    const val = await loadImageNet({ root: valDir, split: 'val', classList: ['n01440764'], size: 8 });
    expect(Array.from(val.labels)).toEqual([0]);
  });
});
