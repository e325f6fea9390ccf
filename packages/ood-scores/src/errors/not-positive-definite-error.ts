import { InvalidArgumentError } from '@hvcm/metrics';

/**
 * A matrix that must be symmetric positive definite (a covariance to factor) is not, even after the
 * largest ridge allowed. `pivot` is the row where the Cholesky factorisation broke down.
 */
export class NotPositiveDefiniteError extends InvalidArgumentError {
  readonly pivot: number;

  constructor(message: string, pivot: number) {
    super(message);
    this.name = 'NotPositiveDefiniteError';
    this.pivot = pivot;
  }
}
