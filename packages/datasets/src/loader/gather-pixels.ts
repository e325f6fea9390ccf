import { CorruptFileError } from '@hvcm/metrics';
import type { ArrayImageDataset, ImageDataset, LazyImageDataset } from '../readers/image-dataset';

/** Float32 look-up table `v -> v * scale` for the 256 byte values (one multiply saved per pixel). */
export function byteScaleTable(scale: number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, v) => v * scale);
}

/** The pixels and labels of one batch, on the JavaScript side, before tensors are made. */
export interface GatheredBatch {
  /** `[n, h, w, c]` float32, scaled. */
  readonly pixels: Float32Array;
  /** `[n]` */
  readonly labels: Int32Array;
  /** Dataset index of each sample `[n]`. */
  readonly indices: Int32Array;
}

/** Copies samples `indices` of an in-memory dataset into one scaled float32 buffer. */
export function gatherArrayBatch(dataset: ArrayImageDataset, indices: Int32Array, table: Float32Array): GatheredBatch {
  const per = dataset.height * dataset.width * dataset.channels;
  const n = indices.length;
  const pixels = new Float32Array(n * per);
  const labels = new Int32Array(n);
  const src = dataset.images;
  for (let i = 0; i < n; i += 1) {
    const index = indices[i] as number;
    labels[i] = dataset.labels[index] as number;
    const from = index * per;
    const to = i * per;
    for (let k = 0; k < per; k += 1) pixels[to + k] = table[src[from + k] as number] as number;
  }
  return { pixels, labels, indices };
}

/**
 * Decodes samples `indices` of a lazy dataset, at most `concurrency` files at a time (sharp
 * decodes on libuv's thread pool, so several in flight use several cores). Samples whose file
 * was skipped (`decode` resolved null) are left out of the batch.
 */
export async function gatherLazyBatch(
  dataset: LazyImageDataset,
  indices: Int32Array,
  table: Float32Array,
  concurrency: number,
): Promise<GatheredBatch> {
  const per = dataset.height * dataset.width * dataset.channels;
  const decoded: (Uint8Array | null)[] = new Array<Uint8Array | null>(indices.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const slot = next;
      next += 1;
      const index = indices[slot] as number;
      const pixels = await dataset.decode(index);
      if (pixels !== null && pixels.length !== per) {
        throw new CorruptFileError(
          dataset.paths[index] ?? `sample ${index}`,
          `decoded to ${pixels.length} bytes, expected ${dataset.height}x${dataset.width}x${dataset.channels} = ${per}.`,
        );
      }
      decoded[slot] = pixels;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, indices.length) }, worker));
  const kept = decoded.filter((d) => d !== null).length;
  const pixels = new Float32Array(kept * per);
  const labels = new Int32Array(kept);
  const keptIndices = new Int32Array(kept);
  let row = 0;
  decoded.forEach((bytes, slot) => {
    if (bytes === null) return;
    const index = indices[slot] as number;
    const to = row * per;
    for (let k = 0; k < per; k += 1) pixels[to + k] = table[bytes[k] as number] as number;
    labels[row] = dataset.labels[index] as number;
    keptIndices[row] = index;
    row += 1;
  });
  return { pixels, labels, indices: keptIndices };
}

/** Gathers one batch from either kind of dataset. */
export function gatherBatch(
  dataset: ImageDataset,
  indices: Int32Array,
  table: Float32Array,
  concurrency: number,
): Promise<GatheredBatch> {
  return dataset.kind === 'array'
    ? Promise.resolve(gatherArrayBatch(dataset, indices, table))
    : gatherLazyBatch(dataset, indices, table, concurrency);
}
