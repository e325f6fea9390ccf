import { InvalidArgumentError } from '@hvcm/metrics';

/** Throws `InvalidArgumentError` unless `value` is a finite number > 0 (or >= 0 with `allowZero`). */
export function checkPositive(owner: string, name: string, value: number, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(`${owner}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}.`);
  }
  return value;
}

/** Throws `InvalidArgumentError` unless `value` is an integer >= `min`. */
export function checkInteger(owner: string, name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${owner}: ${name} must be an integer >= ${min}, got ${value}.`);
  }
  return value;
}
