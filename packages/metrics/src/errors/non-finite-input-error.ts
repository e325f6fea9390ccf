import { HvcmError } from './hvcm-error';

/** An input holds NaN or +-Infinity. `index` is the first offending position. */
export class NonFiniteInputError extends HvcmError {
  readonly index: number;
  readonly value: number;

  constructor(message: string, index: number, value: number) {
    super('NON_FINITE_INPUT', message);
    this.name = 'NonFiniteInputError';
    this.index = index;
    this.value = value;
  }
}
