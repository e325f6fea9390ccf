import { HvcmError } from './hvcm-error';

/** A method that needs fitted state (a detector's `score`, say) was called before `fit`/`fromJSON`. */
export class NotFittedError extends HvcmError {
  constructor(message: string) {
    super('NOT_FITTED', message);
    this.name = 'NotFittedError';
  }
}
