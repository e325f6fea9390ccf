import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NonFiniteInputError, ShapeMismatchError } from '@hvcm/metrics';
import type { FeatureInput } from '../detector';

/** Options for {@link toFeatureMatrix}. */
export interface FeatureMatrixOptions {
  /** Name used in error messages ("features", "logits", ...). Default "features". */
  readonly name?: string;
  /** Required number of columns, when the detector was fitted on a given width. */
  readonly columns?: number;
  /** Smallest number of rows accepted. Default 1. */
  readonly minRows?: number;
}

/**
 * A validated `[n, d]` matrix: a float32 tensor on the active backend plus lazy host values.
 * Call `dispose()` when done; it frees the tensor only if this helper created it.
 */
export interface FeatureMatrix {
  readonly rows: number;
  readonly columns: number;
  /** `[n, d]` float32 tensor; the caller's own tensor when one was given (never dispose it directly). */
  readonly tensor: tf.Tensor2D;
  /** Row-major host values: the caller's typed array when one was given (Float64Array keeps precision). */
  values(): Promise<Float32Array | Float64Array>;
  dispose(): void;
}

function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return i;
  }
  return -1;
}

function nonFiniteError(name: string, index: number, columns: number, value: number): NonFiniteInputError {
  const row = Math.floor(index / columns);
  const column = index % columns;
  return new NonFiniteInputError(
    `${name} must be finite, got ${value} at flat index ${index} (row ${row}, column ${column}). ` +
      'Remove or repair the non-finite rows before fitting or scoring.',
    index,
    value,
  );
}

function checkShape(name: string, shape: readonly number[], options: FeatureMatrixOptions): [number, number] {
  if (shape.length !== 2) {
    throw new ShapeMismatchError(`${name} must be a matrix [n, d], got shape [${shape.join(', ')}].`);
  }
  const [rows, columns] = shape as [number, number];
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 0 || columns < 1) {
    throw new ShapeMismatchError(
      `${name} shape must be two non-negative integers with d >= 1, got [${shape.join(', ')}].`,
    );
  }
  const minRows = options.minRows ?? 1;
  if (rows < minRows) {
    throw new InvalidArgumentError(`${name} must have at least ${minRows} row(s), got ${rows}.`);
  }
  if (options.columns !== undefined && columns !== options.columns) {
    throw new ShapeMismatchError(
      `${name} must have ${options.columns} columns (the width the detector was fitted on), got ${columns}.`,
    );
  }
  return [rows, columns];
}

/**
 * Validates and normalises a {@link FeatureInput}: checks that it is a rank-2 `[n, d]` matrix (with
 * `columns` columns and at least `minRows` rows when given) and that every value is finite; a
 * non-finite value raises `NonFiniteInputError` naming its first flat index (and row/column).
 * Tensors are checked on their backend (one reduction), and only downloaded when they hold a
 * non-finite value, to name it.
 */
export async function toFeatureMatrix(input: FeatureInput, options: FeatureMatrixOptions = {}): Promise<FeatureMatrix> {
  const name = options.name ?? 'features';
  if (input instanceof tf.Tensor) {
    const [rows, columns] = checkShape(name, input.shape, options);
    if (input.dtype !== 'float32' && input.dtype !== 'int32') {
      throw new InvalidArgumentError(`${name} must be a float32 (or int32) tensor, got dtype ${input.dtype}.`);
    }
    const owned = input.dtype !== 'float32';
    const tensor: tf.Tensor2D = owned ? tf.cast(input, 'float32') : input;
    // x * 0 is 0 for finite x and NaN for NaN/Inf, so the sum is NaN exactly when a value is not finite.
    const probe = tf.tidy(() => tf.sum(tf.mul(tensor, tf.scalar(0))));
    const probeValue = (await probe.data())[0] ?? 0;
    probe.dispose();
    if (!Number.isFinite(probeValue)) {
      const values = await tensor.data();
      const index = firstNonFinite(values);
      if (owned) tensor.dispose();
      throw nonFiniteError(name, index, columns, values[index] ?? Number.NaN);
    }
    let cache: Float32Array | undefined;
    return {
      rows,
      columns,
      tensor,
      async values() {
        cache ??= (await tensor.data()) as Float32Array;
        return cache;
      },
      dispose() {
        if (owned) tensor.dispose();
      },
    };
  }
  if (typeof input !== 'object' || input === null || !('data' in input) || !('shape' in input)) {
    throw new InvalidArgumentError(
      `${name} must be a tf.Tensor2D or {data: Float32Array | Float64Array, shape: [n, d]}, got ${typeof input}.`,
    );
  }
  const { data, shape } = input;
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new InvalidArgumentError(`${name}.data must be a Float32Array or Float64Array.`);
  }
  const [rows, columns] = checkShape(name, shape, options);
  if (data.length !== rows * columns) {
    throw new ShapeMismatchError(
      `${name}.data has ${data.length} values but shape [${rows}, ${columns}] needs ${rows * columns}.`,
    );
  }
  const index = firstNonFinite(data);
  if (index >= 0) throw nonFiniteError(name, index, columns, data[index] ?? Number.NaN);
  const tensor = tf.tensor2d(data instanceof Float32Array ? data : Float32Array.from(data), [rows, columns], 'float32');
  return {
    rows,
    columns,
    tensor,
    async values() {
      return data;
    },
    dispose() {
      tensor.dispose();
    },
  };
}

/**
 * Checks class labels: an `Int32Array` of length `rows` holding `0..C-1` with every class present.
 * Returns `C`, the number of classes.
 */
export function validateLabels(labels: Int32Array | undefined, rows: number, name = 'labels'): number {
  if (!(labels instanceof Int32Array)) {
    throw new InvalidArgumentError(`${name} must be an Int32Array of class indices (this detector needs labels).`);
  }
  if (labels.length !== rows) {
    throw new ShapeMismatchError(`${name} must have one entry per row: expected ${rows}, got ${labels.length}.`);
  }
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] ?? -1;
    if (label < 0) throw new InvalidArgumentError(`${name}[${i}] is ${label}; labels must be >= 0.`);
    if (label > max) max = label;
  }
  const seen = new Uint8Array(max + 1);
  for (let i = 0; i < labels.length; i++) seen[labels[i] ?? 0] = 1;
  const missing = seen.indexOf(0);
  if (missing >= 0) {
    throw new InvalidArgumentError(
      `${name} must cover every class 0..${max}, but class ${missing} has no sample. Renumber the classes to be contiguous.`,
    );
  }
  return max + 1;
}
