import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CorruptFileError, InvalidArgumentError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { findExistingFile } from './find-existing-file';
import { createArrayDataset, type ArrayImageDataset } from './image-dataset';
import { readFileBytes } from './read-file-bytes';
import { readTarEntries } from './tar';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXEL_BYTES = 3 * PLANE;

/**
 * Parses CIFAR binary records: `labelBytes` label bytes then 3072 pixel bytes (1024 red, 1024
 * green, 1024 blue, each 32x32 row-major). Returns images as uint8 `[n, 32, 32, 3]` (channels
 * last) and the label at `labelIndex` of each record, checked to be `< numClasses`.
 * Throws `CorruptFileError` when the size is not a whole number of records or a label is out of range.
 */
export function parseCifarBinary(
  bytes: Uint8Array,
  format: { labelBytes: number; labelIndex: number; numClasses: number },
  path = '<buffer>',
): { images: Uint8Array; labels: Int32Array } {
  const recordBytes = format.labelBytes + PIXEL_BYTES;
  if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
    throw new CorruptFileError(
      path,
      `expected a whole number of ${recordBytes}-byte records (${format.labelBytes} label byte(s) + 3072 ` +
        `pixels), found ${bytes.length} bytes (${Math.floor(bytes.length / recordBytes)} records and ` +
        `${bytes.length % recordBytes} bytes over). The file is truncated or is not a CIFAR ` +
        `${format.labelBytes === 1 ? '-10' : '-100'} binary batch.`,
    );
  }
  const n = bytes.length / recordBytes;
  const images = new Uint8Array(n * PIXEL_BYTES);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r += 1) {
    const offset = r * recordBytes;
    const label = bytes[offset + format.labelIndex] as number;
    if (label >= format.numClasses) {
      throw new CorruptFileError(
        path,
        `record ${r}: expected a label below ${format.numClasses}, found ${label}. ` +
          'Is this a CIFAR-100 file read as CIFAR-10 (or the other way round)?',
      );
    }
    labels[r] = label;
    const src = offset + format.labelBytes;
    const dst = r * PIXEL_BYTES;
    // Planar RGB (CHW) -> interleaved (HWC).
    for (let p = 0; p < PLANE; p += 1) {
      images[dst + 3 * p] = bytes[src + p] as number;
      images[dst + 3 * p + 1] = bytes[src + PLANE + p] as number;
      images[dst + 3 * p + 2] = bytes[src + 2 * PLANE + p] as number;
    }
  }
  return { images, labels };
}

/** Options of the CIFAR readers. */
export interface CifarOptions {
  /**
   * The binary download: the archive itself (`cifar-10-binary.tar.gz`, `.tgz` or `.tar`, read
   * without extracting), the extracted folder holding the `.bin` files, or its parent
   * (`cifar-10-batches-bin/` / `cifar-100-binary/` is then looked up inside).
   */
  directory: string;
  /** 'train' or 'test'. Default 'train'. */
  split?: 'train' | 'test';
}

/** CIFAR-100 options: which label to return. */
export interface Cifar100Options extends CifarOptions {
  /** 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  labelMode?: 'fine' | 'coarse';
}

/** CIFAR-10's class names (batches.meta.txt), used when the file is absent. */
export const CIFAR10_CLASS_NAMES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Where the CIFAR files are read from: a folder or an archive's entries. */
interface CifarSource {
  /** The bytes of file `name`, or undefined when absent. */
  read(name: string): Promise<Uint8Array | undefined>;
  /** How to name file `name` in errors. */
  describe(name: string): string;
}

const DOWNLOAD_HINT =
  'Download the binary version from https://www.cs.toronto.edu/~kriz/cifar.html and pass the archive ' +
  'or the folder it extracts to.';

async function openSource(location: string, subfolder: string, probe: string): Promise<CifarSource> {
  const info = await stat(location).catch(() => undefined);
  if (info === undefined) {
    throw new DatasetNotFoundError(location, `expected a CIFAR folder or archive here, found nothing. ${DOWNLOAD_HINT}`);
  }
  if (info.isFile()) {
    const entries = readTarEntries(await readFileBytes(location), location);
    const byName = new Map<string, Uint8Array>();
    for (const [path, data] of entries) byName.set(basename(path), data);
    if (!byName.has(probe)) {
      throw new DatasetNotFoundError(
        location,
        `expected ${probe} inside this archive, found ${[...byName.keys()].join(', ') || 'no file'}. ${DOWNLOAD_HINT}`,
      );
    }
    return { read: (name) => Promise.resolve(byName.get(name)), describe: (name) => `${location}:${subfolder}/${name}` };
  }
  let folder: string | undefined;
  if (await findExistingFile(location, [probe])) folder = location;
  else if (await findExistingFile(join(location, subfolder), [probe])) folder = join(location, subfolder);
  if (folder === undefined) {
    throw new DatasetNotFoundError(location, `expected ${probe} here or in ${subfolder}/, found neither. ${DOWNLOAD_HINT}`);
  }
  const root = folder;
  return {
    read: async (name) => ((await findExistingFile(root, [name])) ? readFileBytes(join(root, name)) : undefined),
    describe: (name) => join(root, name),
  };
}

async function readNames(source: CifarSource, name: string): Promise<string[] | undefined> {
  const bytes = await source.read(name);
  if (bytes === undefined) return undefined;
  return new TextDecoder()
    .decode(bytes)
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

function concat(parts: { images: Uint8Array; labels: Int32Array }[]): { images: Uint8Array; labels: Int32Array } {
  if (parts.length === 1) return parts[0] as { images: Uint8Array; labels: Int32Array };
  const images = new Uint8Array(parts.reduce((s, p) => s + p.images.length, 0));
  const labels = new Int32Array(parts.reduce((s, p) => s + p.labels.length, 0));
  let io = 0;
  let lo = 0;
  for (const part of parts) {
    images.set(part.images, io);
    labels.set(part.labels, lo);
    io += part.images.length;
    lo += part.labels.length;
  }
  return { images, labels };
}

function checkSplit(split: unknown): 'train' | 'test' {
  if (split !== 'train' && split !== 'test') {
    throw new InvalidArgumentError(`expected split 'train' or 'test', got ${JSON.stringify(split)}.`);
  }
  return split;
}

/**
 * CIFAR-10 binary version: train = `data_batch_1.bin` .. `data_batch_5.bin` (50000 images),
 * test = `test_batch.bin` (10000); 32x32x3 uint8. Class names from `batches.meta.txt` when present.
 * A missing batch file is a `DatasetNotFoundError`.
 */
export async function loadCifar10(options: CifarOptions): Promise<ArrayImageDataset> {
  const split = checkSplit(options.split ?? 'train');
  const source = await openSource(options.directory, 'cifar-10-batches-bin', split === 'train' ? 'data_batch_1.bin' : 'test_batch.bin');
  const files = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const parts: { images: Uint8Array; labels: Int32Array }[] = [];
  for (const name of files) {
    const bytes = await source.read(name);
    if (bytes === undefined) {
      throw new DatasetNotFoundError(
        source.describe(name),
        'expected this CIFAR-10 batch file, found none. CIFAR-10 train needs all five data_batch_*.bin files.',
      );
    }
    parts.push(parseCifarBinary(bytes, { labelBytes: 1, labelIndex: 0, numClasses: 10 }, source.describe(name)));
  }
  const { images, labels } = concat(parts);
  const names = await readNames(source, 'batches.meta.txt');
  return createArrayDataset({
    images,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames: names && names.length === 10 ? names : CIFAR10_CLASS_NAMES,
  });
}

/**
 * CIFAR-100 binary version: `train.bin` (50000) / `test.bin` (10000), each record
 * `<coarse label> <fine label> <3072 pixels>`; 32x32x3 uint8. Class names from
 * `fine_label_names.txt` / `coarse_label_names.txt` when present.
 */
export async function loadCifar100(options: Cifar100Options): Promise<ArrayImageDataset> {
  const split = checkSplit(options.split ?? 'train');
  const mode = options.labelMode ?? 'fine';
  if (mode !== 'fine' && mode !== 'coarse') {
    throw new InvalidArgumentError(`expected labelMode 'fine' or 'coarse', got ${JSON.stringify(mode)}.`);
  }
  const name = `${split}.bin`;
  const source = await openSource(options.directory, 'cifar-100-binary', name);
  const path = source.describe(name);
  const numClasses = mode === 'fine' ? 100 : 20;
  const bytes = (await source.read(name)) as Uint8Array;
  // Check both labels' ranges (so a CIFAR-10 file is caught), keep the requested one.
  parseCifarLabelsRange(bytes, path);
  const { images, labels } = parseCifarBinary(bytes, { labelBytes: 2, labelIndex: mode === 'fine' ? 1 : 0, numClasses }, path);
  const names = await readNames(source, `${mode}_label_names.txt`);
  return createArrayDataset({
    images,
    labels,
    height: SIDE,
    width: SIDE,
    channels: 3,
    classNames: names && names.length === numClasses ? names : [],
  });
}

function parseCifarLabelsRange(bytes: Uint8Array, path: string): void {
  const recordBytes = 2 + PIXEL_BYTES;
  if (bytes.length % recordBytes !== 0) return; // parseCifarBinary reports it
  for (let offset = 0, r = 0; offset < bytes.length; offset += recordBytes, r += 1) {
    const coarse = bytes[offset] as number;
    if (coarse >= 20) {
      throw new CorruptFileError(
        path,
        `record ${r}: expected a coarse label below 20, found ${coarse}. Is this a CIFAR-100 binary file?`,
      );
    }
  }
}
