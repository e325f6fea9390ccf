import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';

/** A batch as plain data: row-major values and shape `[n, ...]`. Int32Array gives an int32 tensor. */
export interface BatchArray {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** Rows of the batch given to each of `parts` replicas: sizes differ by at most one, larger first. */
export function splitSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Checks that `a` is consistent and returns its number of rows. */
export function rowsOf(a: BatchArray, what: string): number {
  const [n] = a.shape;
  if (n === undefined || a.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`${what}: shape must be [n, ...] of non-negative integers, got [${a.shape.join(', ')}]`);
  }
  const size = a.shape.reduce((p, d) => p * d, 1);
  if (size !== a.data.length) {
    throw new ShapeMismatchError(`${what}: shape [${a.shape.join(', ')}] holds ${size} values, data has ${a.data.length}`);
  }
  return n;
}

/** Rows `[start, start + count)` of `a`, as a copy (its own buffer, so it can be transferred). */
export function sliceRows(a: BatchArray, start: number, count: number): BatchArray {
  const row = a.shape.slice(1).reduce((p, d) => p * d, 1);
  return { data: a.data.slice(start * row, (start + count) * row), shape: [count, ...a.shape.slice(1)] };
}
