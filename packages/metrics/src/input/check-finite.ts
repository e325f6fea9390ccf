import { NonFiniteInputError } from '../errors/non-finite-input-error';
import type { Scores } from './score-types';

/**
 * Throws `NonFiniteInputError` naming the first NaN or +-Infinity in `values`.
 * @param op the public function being called, for the message.
 * @param what the argument's name, for the message (`"ood"`, `"scores"`).
 */
export function checkFinite(op: string, what: string, values: Scores): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    // `v - v` is 0 for finite numbers and NaN for NaN and +-Infinity: one comparison per value.
    if (v - v !== 0) {
      throw new NonFiniteInputError(
        `${op}: expected finite scores, got ${what}[${i}] = ${v}. Remove or replace non-finite scores before computing metrics.`,
        i,
        v,
      );
    }
  }
}
