import { InvalidArgumentError } from '../errors/invalid-argument-error';

/** Checks a target rate: `(0, 1]` for a TPR (0 accepts nothing), `[0, 1]` for an FPR. */
export function checkRate(op: string, name: string, value: number, allowZero: boolean): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value <= 1 && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    const range = allowZero ? '[0, 1]' : '(0, 1]';
    throw new InvalidArgumentError(`${op}: expected ${name} in ${range}, got ${String(value)}.`);
  }
}
