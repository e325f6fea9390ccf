import { InvalidArgumentError } from '@hvcm/metrics';
import { createArrayDataset, type ArrayImageDataset, type LazyImageDataset } from './image-dataset';

/**
 * Decodes every sample of a lazy dataset into one in-memory dataset, `concurrency` files at a
 * time. For small sets read many times (an OOD test folder scored after every epoch); memory is
 * `length x height x width x channels` bytes (about 150 kB per 224 px RGB image). Files skipped
 * with `onBadFile: 'skip'` are left out; `sourceIndices[i]` is sample i's index in `dataset`.
 */
export async function materializeDataset(
  dataset: LazyImageDataset,
  options: { concurrency?: number } = {},
): Promise<ArrayImageDataset & { readonly sourceIndices: Int32Array }> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidArgumentError(`materializeDataset: expected an integer concurrency >= 1, got ${concurrency}.`);
  }
  const per = dataset.height * dataset.width * dataset.channels;
  const decoded: (Uint8Array | null)[] = new Array<Uint8Array | null>(dataset.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < dataset.length) {
      const index = next;
      next += 1;
      decoded[index] = await dataset.decode(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, dataset.length) }, worker));
  const kept: number[] = [];
  decoded.forEach((d, i) => {
    if (d !== null) kept.push(i);
  });
  const images = new Uint8Array(kept.length * per);
  kept.forEach((index, row) => images.set(decoded[index] as Uint8Array, row * per));
  const sourceIndices = Int32Array.from(kept);
  const base = createArrayDataset({
    images,
    labels: Int32Array.from(kept, (i) => dataset.labels[i] as number),
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: dataset.classNames,
  });
  return { ...base, sourceIndices };
}
