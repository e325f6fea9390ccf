export { type Batch, type MultiViewBatch, type BatchPosition, disposeBatch } from './batch';
export {
  type BatchTransform,
  type BatchViewsTransform,
  type DataLoaderOptions,
  type ImageLoaderOptions,
  type MultiViewLoaderOptions,
  type DataLoader,
  createDataLoader,
  createMultiViewLoader,
  epochOrder,
  countBatches,
} from './data-loader';
