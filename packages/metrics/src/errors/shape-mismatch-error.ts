import { HvcmError } from './hvcm-error';

/** Two inputs that must agree in length or shape do not. */
export class ShapeMismatchError extends HvcmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SHAPE_MISMATCH', message, options);
    this.name = 'ShapeMismatchError';
  }
}
