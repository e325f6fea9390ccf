import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { createRng, deriveSeed, randomPermutation, type Rng } from '../random/index';
import type { ImageDataset } from '../readers/image-dataset';
import { disposeBatch, type Batch, type BatchPosition, type MultiViewBatch } from './batch';
import { byteScaleTable, gatherBatch } from './gather-pixels';

/**
 * A per-batch transform (augmentation): gets the batch `[n, h, w, c]` float32 and the batch's own
 * seeded `rng`, returns a NEW tensor (the `ImageTransform` contract of the augment module: the
 * input is not disposed by the transform; the loader disposes it afterwards).
 */
export type BatchTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D | Promise<tf.Tensor4D>;

/** A per-batch transform that returns several views (DINO multi-crop); each view a new tensor. */
export type BatchViewsTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D[] | Promise<tf.Tensor4D[]>;

/** Options of `createDataLoader` / `createMultiViewLoader`. */
export interface DataLoaderOptions {
  /** Samples per batch (positive integer). */
  batchSize: number;
  /** Shuffle each epoch (seeded by `seed` and the epoch number). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles and of every batch's transform `rng`. Default 0. */
  seed?: number;
  /** Drop the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
  /** Batches built ahead while the consumer works on the current one. Default 1; 0 disables. */
  prefetch?: number;
  /** Factor applied to the uint8 pixel values. Default 1/255 (values in [0, 1]). */
  valueScale?: number;
  /**
   * Files handed to sharp at once per batch, for lazy (folder) datasets. Default
   * `min(batchSize, 64)`: sharp decodes on libuv's threads, so requests already queued keep
   * decoding while the consumer's synchronous training step blocks the main thread (measured:
   * 32 in flight overlapped a busy consumer better than 8).
   */
  decodeConcurrency?: number;
}

/** Options of `createDataLoader`. */
export interface ImageLoaderOptions extends DataLoaderOptions {
  /** Applied to every batch (augmentation, normalisation). */
  transform?: BatchTransform;
}

/** Options of `createMultiViewLoader`. */
export interface MultiViewLoaderOptions extends DataLoaderOptions {
  /** Turns every batch into several views (e.g. `dinoMultiCrop()`). */
  viewsTransform: BatchViewsTransform;
}

/**
 * Batches of a dataset as async iterables. Consumer contract:
 * - every yielded batch's tensors belong to the consumer, who disposes them (`disposeBatch`);
 * - leaving a `for await` early (`break`, `return`, a throw) disposes the batches built ahead;
 * - an iterator abandoned without `return()` (manual `next()` calls, then dropped) leaks the
 *   prefetched batch: use `for await` or call `return()`.
 */
export interface DataLoader<B> extends AsyncIterable<B> {
  /** Batches per epoch, known before iterating (an upper bound only when `onBadFile: 'skip'` drops a whole batch). */
  readonly numBatches: number;
  readonly batchSize: number;
  /** Samples per epoch (less than the dataset size by the dropped remainder when `dropLast`). */
  readonly samplesPerEpoch: number;
  /** The batches of epoch `epoch` (same seed and epoch: same order and same transform draws). */
  epoch(epoch: number): AsyncGenerator<B, void, undefined>;
  /** Iterates the next epoch: 0 the first time, then 1, 2, ... */
  [Symbol.asyncIterator](): AsyncGenerator<B, void, undefined>;
}

/** Stream tag mixed into the per-batch transform seed, so it never equals the shuffle seed. */
const TRANSFORM_STREAM = 0x7a11;

interface Resolved {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  dropLast: boolean;
  prefetch: number;
  table: Float32Array;
  concurrency: number;
}

function resolveOptions(options: DataLoaderOptions): Resolved {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`data loader: expected a positive integer batchSize, got ${batchSize}.`);
  }
  const prefetch = options.prefetch ?? 1;
  if (!Number.isInteger(prefetch) || prefetch < 0) {
    throw new InvalidArgumentError(`data loader: expected an integer prefetch >= 0, got ${prefetch}.`);
  }
  const concurrency = options.decodeConcurrency ?? Math.min(batchSize, 64);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`data loader: expected an integer decodeConcurrency >= 1, got ${concurrency}.`);
  }
  const scale = options.valueScale ?? 1 / 255;
  if (!Number.isFinite(scale)) {
    throw new InvalidArgumentError(`data loader: expected a finite valueScale, got ${scale}.`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) {
    throw new InvalidArgumentError(`data loader: expected a finite seed, got ${seed}.`);
  }
  return {
    batchSize,
    shuffle: options.shuffle ?? true,
    seed,
    dropLast: options.dropLast ?? false,
    prefetch,
    table: byteScaleTable(scale),
    concurrency,
  };
}

/** Sample order of one epoch: a seeded permutation, or 0..n-1 without shuffling. */
export function epochOrder(n: number, epoch: number, seed: number, shuffle: boolean): Int32Array {
  if (!shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return randomPermutation(n, createRng(deriveSeed(seed, epoch)));
}

/** The number of batches of `n` samples: `ceil(n / batchSize)`, or `floor` with `dropLast`. */
export function countBatches(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Builds the loader around `finish`, which turns the gathered images tensor into a batch. */
function buildLoader<B extends Batch | MultiViewBatch>(
  dataset: ImageDataset,
  options: Resolved,
  finish: (images: tf.Tensor4D, labels: tf.Tensor1D, rng: Rng, position: BatchPosition) => Promise<B>,
): DataLoader<B> {
  const { batchSize, dropLast, seed, shuffle, prefetch, table, concurrency } = options;
  const numBatches = countBatches(dataset.length, batchSize, dropLast);
  const { height, width, channels } = dataset;

  const produce = async (order: Int32Array, epoch: number, batchIndex: number): Promise<B | null> => {
    const start = batchIndex * batchSize;
    const indices = order.slice(start, Math.min(start + batchSize, order.length));
    const gathered = await gatherBatch(dataset, indices, table, concurrency);
    const n = gathered.labels.length;
    if (n === 0) return null; // every file of the batch was skipped
    const images = tf.tensor4d(gathered.pixels, [n, height, width, channels], 'float32');
    const labels = tf.tensor1d(gathered.labels, 'int32');
    const rng = createRng(deriveSeed(seed, epoch, batchIndex, TRANSFORM_STREAM));
    try {
      return await finish(images, labels, rng, { indices: gathered.indices, epoch, batchIndex });
    } catch (error) {
      if (!images.isDisposed) images.dispose();
      labels.dispose();
      throw error;
    }
  };

  const epochIterator = async function* (epoch: number): AsyncGenerator<B, void, undefined> {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new InvalidArgumentError(`data loader: expected an integer epoch >= 0, got ${epoch}.`);
    }
    const order = epochOrder(dataset.length, epoch, seed, shuffle);
    const pending: Promise<B | null>[] = [];
    let launched = 0;
    const launch = (): void => {
      if (launched >= numBatches) return;
      const batchIndex = launched;
      launched += 1;
      // setImmediate: build the batch in the event-loop gaps left while the consumer awaits
      // (its training step, `data()`), not before the current batch is handed over.
      const promise = new Promise<B | null>((resolve, reject) => {
        setImmediate(() => {
          produce(order, epoch, batchIndex).then(resolve, reject);
        });
      });
      // A prefetched batch may fail before it is awaited; mark the rejection handled here (it
      // is rethrown when the consumer reaches that batch).
      promise.catch(() => undefined);
      pending.push(promise);
    };
    for (let i = 0; i <= prefetch; i += 1) launch();
    try {
      while (pending.length > 0) {
        const batch = await (pending.shift() as Promise<B | null>);
        // While the consumer holds this batch, exactly `prefetch` later ones are in the making;
        // the one after them is started when the consumer asks for the next batch.
        if (batch !== null) yield batch;
        launch();
      }
    } finally {
      // Early exit (break / return / throw): dispose what was built ahead and not handed over.
      const leftovers = pending.splice(0);
      for (const promise of leftovers) {
        const batch = await promise.catch(() => null);
        if (batch !== null) disposeBatch(batch);
      }
    }
  };

  let nextEpoch = 0;
  return {
    numBatches,
    batchSize,
    samplesPerEpoch: dropLast ? numBatches * batchSize : dataset.length,
    epoch: epochIterator,
    [Symbol.asyncIterator]() {
      const epoch = nextEpoch;
      nextEpoch += 1;
      return epochIterator(epoch);
    },
  };
}

/**
 * Batches of `{images [n, h, w, c] float32, labels [n] int32}` from any dataset (in-memory or
 * lazily decoded), shuffled per epoch with a seed, built one batch ahead, optionally transformed.
 * See `DataLoader` for who disposes what.
 */
export function createDataLoader(dataset: ImageDataset, options: ImageLoaderOptions): DataLoader<Batch> {
  const resolved = resolveOptions(options);
  const transform = options.transform;
  return buildLoader<Batch>(dataset, resolved, async (images, labels, rng, position) => {
    if (transform === undefined) return { images, labels, ...position };
    const out = await transform(images, rng);
    if (out !== images) images.dispose();
    return { images: out, labels, ...position };
  });
}

/**
 * Like `createDataLoader`, but every batch goes through `viewsTransform` and is yielded as
 * `{views, labels}` (DINO multi-crop). The untransformed images are disposed by the loader.
 */
export function createMultiViewLoader(
  dataset: ImageDataset,
  options: MultiViewLoaderOptions,
): DataLoader<MultiViewBatch> {
  const resolved = resolveOptions(options);
  const { viewsTransform } = options;
  if (typeof viewsTransform !== 'function') {
    throw new InvalidArgumentError('createMultiViewLoader: expected a viewsTransform function.');
  }
  return buildLoader<MultiViewBatch>(dataset, resolved, async (images, labels, rng, position) => {
    try {
      const views = await viewsTransform(images, rng);
      return { views, labels, ...position };
    } finally {
      images.dispose();
    }
  });
}
