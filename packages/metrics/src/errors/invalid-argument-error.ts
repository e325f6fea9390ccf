import { HvcmError } from './hvcm-error';

/** An argument has the wrong type, range or value (an empty array, a TPR outside (0, 1], ...). */
export class InvalidArgumentError extends HvcmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
    this.name = 'InvalidArgumentError';
  }
}
