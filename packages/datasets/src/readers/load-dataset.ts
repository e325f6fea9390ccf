import { InvalidArgumentError } from '@hvcm/metrics';
import { loadCifar10, loadCifar100, type Cifar100Options, type CifarOptions } from './cifar';
import { loadIdxDataset } from './idx';
import type { ImageDataset } from './image-dataset';
import { loadFlatImageFolder, loadImageFolder, type FlatImageFolderOptions, type ImageFolderOptions } from './image-folder';
import { loadImageNet, type ImageNetOptions } from './imagenet';
import { loadFashionMnist, loadMnist, type MnistOptions } from './mnist';

/**
 * A dataset described as plain data (for configuration files and the CLI): `format` picks the
 * reader, the other fields are that reader's options.
 */
export type DatasetSpec =
  | ({ format: 'mnist' } & MnistOptions)
  | ({ format: 'fashion-mnist' } & MnistOptions)
  | { format: 'idx'; images: string; labels: string; classNames?: readonly string[] }
  | ({ format: 'cifar10' } & CifarOptions)
  | ({ format: 'cifar100' } & Cifar100Options)
  | ({ format: 'image-folder'; root: string } & ImageFolderOptions)
  | ({ format: 'flat-folder'; root: string } & FlatImageFolderOptions)
  | ({ format: 'imagenet' } & ImageNetOptions);

/** The formats `loadDataset` knows. */
export const DATASET_FORMATS: readonly DatasetSpec['format'][] = [
  'mnist',
  'fashion-mnist',
  'idx',
  'cifar10',
  'cifar100',
  'image-folder',
  'flat-folder',
  'imagenet',
];

/** Opens the dataset that `spec` describes with the matching reader. */
export async function loadDataset(spec: DatasetSpec): Promise<ImageDataset> {
  switch (spec.format) {
    case 'mnist':
      return loadMnist(spec);
    case 'fashion-mnist':
      return loadFashionMnist(spec);
    case 'idx':
      return loadIdxDataset(spec);
    case 'cifar10':
      return loadCifar10(spec);
    case 'cifar100':
      return loadCifar100(spec);
    case 'image-folder':
      return loadImageFolder(spec.root, spec);
    case 'flat-folder':
      return loadFlatImageFolder(spec.root, spec);
    case 'imagenet':
      return loadImageNet(spec);
    default:
      throw new InvalidArgumentError(
        `loadDataset: expected format to be one of ${DATASET_FORMATS.join(', ')}, got ` +
          `${JSON.stringify((spec as { format?: unknown }).format)}.`,
      );
  }
}
