import { InvalidArgumentError } from '@hvcm/metrics';
import { createRng, sampleWithoutReplacement } from '../random/index';
import { checkInteger, checkLabels } from './check-arguments';

/** Options of `validationSplit`. Give exactly one of `fraction` or `size`. */
export interface ValidationSplitOptions {
  /** Share of the samples held out, in (0, 1); the count is `round(fraction * n)`. */
  readonly fraction?: number;
  /** Number of samples held out, in [1, n - 1]. */
  readonly size?: number;
  /** Seed of the draw (`createRng(seed)`). Same seed, same split. */
  readonly seed: number;
  /**
   * Hold out the same share of every class (labels required). Per-class counts are
   * `size * n_c / n` rounded by largest remainder (ties to the lower class id) so that they sum
   * to `size` exactly. Default false.
   */
  readonly stratify?: boolean;
}

/** Disjoint train / held-out index sets; together they hold every index 0..n-1 exactly once. */
export interface ValidationSplit {
  /** Training indices, ascending. */
  readonly train: Int32Array;
  /** Held-out validation indices, ascending. */
  readonly validation: Int32Array;
}

/**
 * Seeded held-out validation split. `data` is either the sample count `n` or the labels `[n]`
 * (needed for `stratify`). Used to set thresholds (tau at 95 % TPR) on data the model never saw.
 */
export function validationSplit(data: number | ArrayLike<number>, options: ValidationSplitOptions): ValidationSplit {
  const n = typeof data === 'number' ? data : data.length;
  checkInteger('n (number of samples)', n, 2);
  const size = heldOutSize(n, options);
  const rng = createRng(options.seed);
  const isHeldOut = new Uint8Array(n);
  if (options.stratify === true) {
    if (typeof data === 'number') {
      throw new InvalidArgumentError('stratify: true needs the labels; pass the label array instead of a count.');
    }
    const numClasses = checkLabels(data);
    const byClass: number[][] = Array.from({ length: numClasses }, () => []);
    for (let i = 0; i < n; i += 1) (byClass[data[i] as number] as number[]).push(i);
    const counts = largestRemainder(
      byClass.map((members) => members.length),
      size,
    );
    byClass.forEach((members, c) => {
      const picks = sampleWithoutReplacement(members.length, counts[c] as number, rng);
      for (const p of picks) isHeldOut[members[p] as number] = 1;
    });
  } else {
    for (const i of sampleWithoutReplacement(n, size, rng)) isHeldOut[i] = 1;
  }
  const train = new Int32Array(n - size);
  const validation = new Int32Array(size);
  let t = 0;
  let v = 0;
  for (let i = 0; i < n; i += 1) {
    if (isHeldOut[i] === 1) validation[v++] = i;
    else train[t++] = i;
  }
  return { train, validation };
}

function heldOutSize(n: number, options: ValidationSplitOptions): number {
  const { fraction, size } = options;
  if ((fraction === undefined) === (size === undefined)) {
    throw new InvalidArgumentError(
      `validationSplit needs exactly one of fraction or size; got fraction ${fraction} and size ${size}.`,
    );
  }
  if (fraction !== undefined) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new InvalidArgumentError(`fraction must be in (0, 1); got ${fraction}.`);
    }
    const count = Math.round(fraction * n);
    if (count < 1 || count > n - 1) {
      throw new InvalidArgumentError(
        `fraction ${fraction} of ${n} samples holds out ${count}; both sets must be non-empty. Use a larger set or fraction.`,
      );
    }
    return count;
  }
  checkInteger('size', size as number, 1, n - 1);
  return size as number;
}

/**
 * Integer counts proportional to `groupSizes` summing to `total` (Hamilton's largest remainder
 * method), each at most its group size.
 */
function largestRemainder(groupSizes: number[], total: number): number[] {
  const n = groupSizes.reduce((a, b) => a + b, 0);
  const exact = groupSizes.map((s) => (total * s) / n);
  const counts = exact.map((e) => Math.floor(e));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, c) => ({ c, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if ((counts[c] as number) < (groupSizes[c] as number)) {
      counts[c] = (counts[c] as number) + 1;
      left -= 1;
    }
  }
  return counts;
}
