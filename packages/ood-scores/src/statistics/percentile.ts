import { InvalidArgumentError } from '@hvcm/metrics';

/**
 * The `p`-th percentile (0..100) of `values` with linear interpolation between order statistics,
 * the default of `numpy.percentile`: position `(n - 1) p / 100` in the sorted values.
 */
export function percentile(values: Float32Array | Float64Array, p: number): number {
  if (values.length === 0) throw new InvalidArgumentError('percentile: needs at least one value.');
  if (!(p >= 0 && p <= 100)) throw new InvalidArgumentError(`percentile: p must be in [0, 100], got ${p}.`);
  const sorted = values instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values);
  sorted.sort();
  const position = ((sorted.length - 1) * p) / 100;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const fraction = position - lower;
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? 0;
  return a + (b - a) * fraction;
}
