export {
  type ImageDatasetInfo,
  type ArrayImageDataset,
  type LazyImageDataset,
  type ImageDataset,
  type BadFileRecord,
  createArrayDataset,
  subsetDataset,
} from './image-dataset';
export {
  type IdxDataType,
  type IdxArray,
  type IdxImages,
  parseIdx,
  readIdxFile,
  idxToImages,
  idxToLabels,
  readIdxImages,
  readIdxLabels,
  loadIdxDataset,
} from './idx';
export {
  type MnistSplit,
  type MnistOptions,
  MNIST_CLASS_NAMES,
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_DEFAULT_DIRECTORY,
  mnistDataDirectory,
  loadMnist,
  loadFashionMnist,
} from './mnist';
export {
  type CifarOptions,
  type Cifar100Options,
  CIFAR10_CLASS_NAMES,
  parseCifarBinary,
  loadCifar10,
  loadCifar100,
} from './cifar';
export {
  type ResizeMode,
  type Interpolation,
  type ImageDecodeOptions,
  type ResolvedDecodeOptions,
  resolveDecodeOptions,
  decodeImage,
  centerOffset,
} from './decode-image';
export { DEFAULT_IMAGE_EXTENSIONS, type ImageFileListing, listImageFiles } from './list-image-files';
export { type OnBadFile, type ImageFolderDecodeOptions, createLazyFileDataset } from './lazy-file-dataset';
export {
  type ImageFolderOptions,
  type FlatImageFolderOptions,
  type FolderDataset,
  loadImageFolder,
  loadFlatImageFolder,
} from './image-folder';
export { type ImageNetOptions, readClassList, loadImageNet } from './imagenet';
export { type DatasetSpec, DATASET_FORMATS, loadDataset } from './load-dataset';
export { materializeDataset } from './materialize-dataset';
export { readTarEntries } from './tar';
