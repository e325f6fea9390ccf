/**
 * Sizes of `parts` nearly equal consecutive pieces of `total` items, NumPy `array_split` style:
 * the first `total % parts` pieces hold one item more. Sizes sum to `total`.
 */
export function arraySplitSizes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Cuts `values` into `parts` consecutive pieces with `arraySplitSizes`. */
export function arraySplit(values: Int32Array, parts: number): Int32Array[] {
  const out: Int32Array[] = [];
  let start = 0;
  for (const size of arraySplitSizes(values.length, parts)) {
    out.push(values.slice(start, start + size));
    start += size;
  }
  return out;
}

/** An ascending copy of `values`. */
export function sortedCopy(values: ArrayLike<number>): Int32Array {
  return Int32Array.from(values).sort();
}
