import type * as tf from '@tensorflow/tfjs-core';

/** Where a batch sits in its loader's iteration. */
export interface BatchPosition {
  /** Dataset index of each sample in the batch `[n]` (after skipped files are dropped). */
  readonly indices: Int32Array;
  /** Epoch number the batch belongs to (0-based). */
  readonly epoch: number;
  /** Position of the batch in its epoch (0-based). */
  readonly batchIndex: number;
}

/**
 * One batch. `images` `[n, h, w, c]` float32 (in [0, 1] by default, after the loader's
 * `transform` if one is set); `labels` `[n]` int32. The consumer owns both tensors and must
 * dispose them (`disposeBatch(batch)`).
 */
export interface Batch extends BatchPosition {
  readonly images: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
}

/**
 * One batch seen through a multi-view transform (DINO multi-crop): `views[v]` `[n, h_v, w_v, c]`
 * float32, one tensor per view; `labels` `[n]` int32. The consumer disposes every view and the labels.
 */
export interface MultiViewBatch extends BatchPosition {
  readonly views: tf.Tensor4D[];
  readonly labels: tf.Tensor1D;
}

/** Disposes every tensor of a batch (images or views, and labels). */
export function disposeBatch(batch: Batch | MultiViewBatch): void {
  if ('views' in batch) for (const view of batch.views) view.dispose();
  if ('images' in batch) batch.images.dispose();
  batch.labels.dispose();
}
