import type { Rng } from './rng';

/** Fisher-Yates shuffle of `values` in place (uniform over all orders); returns `values`. */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(
  values: T,
  rng: Rng,
): T {
  for (let i = values.length - 1; i > 0; i -= 1) {
    const j = rng.nextInt(i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/** A uniformly random permutation of 0..n-1 as an Int32Array `[n]`. */
export function randomPermutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  return shuffleInPlace(order, rng);
}

/** `k` distinct indices drawn uniformly from 0..n-1, in random order (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  const take = Math.min(Math.max(0, Math.trunc(k)), n);
  for (let i = 0; i < take; i += 1) {
    const j = i + rng.nextInt(n - i);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order.slice(0, take);
}
