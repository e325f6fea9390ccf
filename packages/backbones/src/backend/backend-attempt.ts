import type { BackendName } from './backend-name';

/** Outcome of trying one backend during `selectBackend`. */
export interface BackendAttempt {
  readonly name: BackendName;
  /** True when this backend was started and is now active. */
  readonly ok: boolean;
  /**
   * Why it failed (`'not installed (MODULE_NOT_FOUND)'`, `'failed to load: <message>'`,
   * `'loaded but did not register tfjs backend ...'`, ...) or, when `ok`, a short note.
   */
  readonly reason: string;
}
