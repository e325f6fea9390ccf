/** `list[index]`, asserting that it exists (for indices known to be in range). */
export function at<T>(list: ArrayLike<T>, index: number): T {
  const value = list[index];
  if (value === undefined) throw new RangeError(`index ${index} out of range [0, ${list.length})`);
  return value;
}
