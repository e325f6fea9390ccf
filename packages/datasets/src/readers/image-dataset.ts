import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';

/** Fields every image dataset has. Images are `[height, width, channels]` uint8, channels last. */
export interface ImageDatasetInfo {
  /** Number of samples. */
  readonly length: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Label of each sample `[length]`; -1 marks "no class" (flat OOD folders). */
  readonly labels: Int32Array;
  /** Name of each class, index = label. Empty when the format carries no names. */
  readonly classNames: readonly string[];
}

/**
 * A dataset held in memory: all images in one uint8 buffer `[length, height, width, channels]`
 * (row-major, channels last). IDX and CIFAR readers return this.
 */
export interface ArrayImageDataset extends ImageDatasetInfo {
  readonly kind: 'array';
  readonly images: Uint8Array;
}

/** One file that a lazy dataset could not decode (kept when `onBadFile: 'skip'`). */
export interface BadFileRecord {
  readonly index: number;
  readonly path: string;
  readonly reason: string;
}

/**
 * A dataset decoded on demand, one sample at a time: only file paths are held in memory.
 * Image-folder and ImageNet readers return this.
 */
export interface LazyImageDataset extends ImageDatasetInfo {
  readonly kind: 'lazy';
  /** File of each sample `[length]`. */
  readonly paths: readonly string[];
  /**
   * Decodes sample `index` to uint8 `[height, width, channels]`. With `onBadFile: 'error'` a bad
   * file rejects with `BadImageFileError`; with `'skip'` it resolves to `null` and the file is
   * recorded in `badFiles`.
   */
  decode(index: number): Promise<Uint8Array | null>;
  /** Files skipped so far (only with `onBadFile: 'skip'`), in the order they were met. */
  readonly badFiles: readonly BadFileRecord[];
}

/** Any dataset the loader accepts. */
export type ImageDataset = ArrayImageDataset | LazyImageDataset;

/**
 * Wraps uint8 images `[n, height, width, channels]` and labels `[n]` as an in-memory dataset,
 * checking that the sizes agree.
 */
export function createArrayDataset(fields: {
  images: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  classNames?: readonly string[];
}): ArrayImageDataset {
  const { images, labels, height, width, channels } = fields;
  for (const [name, value] of [
    ['height', height],
    ['width', width],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`createArrayDataset: expected a positive integer ${name}, got ${value}.`);
    }
  }
  const perImage = height * width * channels;
  if (images.length !== labels.length * perImage) {
    throw new ShapeMismatchError(
      `createArrayDataset: expected ${labels.length} labels x ${height}x${width}x${channels} = ` +
        `${labels.length * perImage} image bytes, got ${images.length}.`,
    );
  }
  return {
    kind: 'array',
    length: labels.length,
    height,
    width,
    channels,
    images,
    labels,
    classNames: fields.classNames ?? [],
  };
}

/**
 * The samples at `indices` (in that order) as a new dataset of the same kind. Array datasets
 * copy their images; lazy datasets share the decoder. `labels`, when given, replaces the subset's
 * labels (e.g. known classes renumbered 0..k-1 by an open-set split) and must have `indices.length`
 * entries; `classNames` then replaces the names too.
 */
export function subsetDataset<D extends ImageDataset>(
  dataset: D,
  indices: ArrayLike<number>,
  relabel?: { labels: Int32Array; classNames?: readonly string[] },
): D {
  const n = indices.length;
  for (let i = 0; i < n; i += 1) {
    const index = indices[i] as number;
    if (!Number.isInteger(index) || index < 0 || index >= dataset.length) {
      throw new InvalidArgumentError(
        `subsetDataset: expected indices in [0, ${dataset.length}), got ${index} at position ${i}.`,
      );
    }
  }
  if (relabel && relabel.labels.length !== n) {
    throw new ShapeMismatchError(
      `subsetDataset: expected ${n} new labels (one per index), got ${relabel.labels.length}.`,
    );
  }
  const labels = relabel ? relabel.labels : Int32Array.from({ length: n }, (_, i) => dataset.labels[indices[i] as number] as number);
  const classNames = relabel?.classNames ?? (relabel ? [] : dataset.classNames);
  if (dataset.kind === 'array') {
    const perImage = dataset.height * dataset.width * dataset.channels;
    const images = new Uint8Array(n * perImage);
    for (let i = 0; i < n; i += 1) {
      const start = (indices[i] as number) * perImage;
      images.set(dataset.images.subarray(start, start + perImage), i * perImage);
    }
    return { ...dataset, length: n, images, labels, classNames } as D;
  }
  const source = dataset as LazyImageDataset;
  const map = Int32Array.from({ length: n }, (_, i) => indices[i] as number);
  const subset: LazyImageDataset = {
    kind: 'lazy',
    length: n,
    height: source.height,
    width: source.width,
    channels: source.channels,
    labels,
    classNames,
    paths: Array.from(map, (j) => source.paths[j] as string),
    decode: (index: number) => {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        return Promise.reject(
          new InvalidArgumentError(`decode: expected an index in [0, ${n}), got ${index}.`),
        );
      }
      return source.decode(map[index] as number);
    },
    get badFiles() {
      return source.badFiles;
    },
  };
  return subset as D;
}
