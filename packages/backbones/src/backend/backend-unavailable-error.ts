import { HvcmError } from '@hvcm/metrics';
import type { BackendAttempt } from './backend-attempt';

/**
 * A backend was forced (option or `HVCM_BACKEND`) but could not be started, or (never in practice)
 * not even the `cpu` backend could. `attempts` says what went wrong for each candidate.
 */
export class BackendUnavailableError extends HvcmError {
  readonly attempts: readonly BackendAttempt[];

  constructor(message: string, attempts: readonly BackendAttempt[], options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.name = 'BackendUnavailableError';
    this.attempts = attempts;
  }
}
