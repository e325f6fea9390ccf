import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../gradients/register-wasm-training-kernels';
import type { BackendAttempt } from './backend-attempt';
import { BACKEND_ORDER, PACKAGE_OF, TFJS_BACKEND_OF, parseBackendName, type BackendName } from './backend-name';
import { BackendUnavailableError } from './backend-unavailable-error';
import { defaultModuleLoader, type ModuleLoader } from './module-loader';

/** Options of `selectBackend`. */
export interface SelectBackendOptions {
  /**
   * Force one backend (no fallback: failure throws `BackendUnavailableError`). `'auto'` or
   * absent: read `HVCM_BACKEND` from `env`; absent or `'auto'` there too: try every backend in
   * the order `node-gpu`, `node`, `wasm`, `cpu` and keep the first that starts.
   */
  backend?: BackendName | 'auto';
  /** Where `HVCM_BACKEND` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Loads a backend package by name. Default: `require` / `import()`. Tests inject fakes. */
  loadModule?: ModuleLoader;
  /** Receives the one summary line. Default `console.error` (stderr, so stdout stays clean); `null`: silent. */
  log?: ((line: string) => void) | null;
  /** Register the fast wasm training kernels when `wasm` is chosen. Default true. */
  wasmTrainingKernels?: boolean;
}

/** What `selectBackend` chose and why. */
export interface BackendSelection {
  /** The backend that now runs (`tf.getBackend()` is `tfjsBackend`). */
  readonly name: BackendName;
  /** The tfjs backend name: `'tensorflow'`, `'wasm'` or `'cpu'`. */
  readonly tfjsBackend: string;
  /** Why this one: `'forced by HVCM_BACKEND'`, `'forced by option'` or `'first available'`. */
  readonly reason: string;
  /** Every backend tried, in order, the chosen one last. */
  readonly attempts: readonly BackendAttempt[];
  /** The summary line that was logged. */
  readonly line: string;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Tries to start one backend; never throws. */
async function tryBackend(name: BackendName, loadModule: ModuleLoader, wasmKernels: boolean): Promise<BackendAttempt> {
  const packageName = PACKAGE_OF[name];
  try {
    await loadModule(packageName);
  } catch (error) {
    // MODULE_NOT_FOUND naming the package itself means "not installed" (the optional native
    // install failed); naming anything else (its binding .node file, libtensorflow) means broken.
    const missing = errorCode(error) === 'MODULE_NOT_FOUND' && firstLine(error).includes(`'${packageName}'`);
    const reason = missing
      ? `${packageName} not installed (MODULE_NOT_FOUND)`
      : `${packageName} failed to load${errorCode(error) ? ` (${errorCode(error)})` : ''}: ${firstLine(error)}`;
    return { name, ok: false, reason };
  }
  const tfjsBackend = TFJS_BACKEND_OF[name];
  if (tf.findBackendFactory(tfjsBackend) == null) {
    return { name, ok: false, reason: `${packageName} loaded but registered no tfjs backend '${tfjsBackend}'` };
  }
  let started = false;
  let failure = '';
  try {
    started = await tf.setBackend(tfjsBackend);
  } catch (error) {
    failure = `: ${firstLine(error)}`;
  }
  if (!started) {
    return { name, ok: false, reason: `${packageName} loaded but tfjs backend '${tfjsBackend}' failed to start${failure}` };
  }
  if (name === 'wasm' && wasmKernels) registerWasmTrainingKernels();
  return { name, ok: true, reason: `${packageName} started` };
}

/**
 * Picks and starts the compute backend, once at start-up, and logs one line saying which backend
 * runs and why each earlier candidate did not, e.g.
 * `@hvcm/backbones: backend wasm (first available); node-gpu: @tensorflow/tfjs-node-gpu not installed (MODULE_NOT_FOUND); ...`.
 *
 * Order: `node-gpu` (`require('@tensorflow/tfjs-node-gpu')`, tfjs backend `'tensorflow'` on CUDA) ->
 * `node` (`@tensorflow/tfjs-node`) -> `wasm` (plus `registerWasmTrainingKernels()`) -> `cpu`.
 * A missing or broken package (throws on load, registers no backend, or fails to start) falls back.
 * A forced backend (`options.backend` or `HVCM_BACKEND`) never falls back.
 *
 * @throws InvalidArgumentError when `HVCM_BACKEND` / `options.backend` is not a backend name.
 * @throws BackendUnavailableError when the forced backend (or, without forcing, every backend) fails.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const env = options.env ?? process.env;
  const loadModule = options.loadModule ?? defaultModuleLoader;
  const log = options.log === undefined ? (line: string) => console.error(line) : options.log;
  const wasmKernels = options.wasmTrainingKernels ?? true;

  const fromOption = parseBackendName(options.backend, 'option backend');
  const fromEnv = fromOption === undefined ? parseBackendName(env.HVCM_BACKEND, 'HVCM_BACKEND') : undefined;
  const forced = fromOption ?? fromEnv;
  const reason =
    fromOption !== undefined ? 'forced by option' : fromEnv !== undefined ? 'forced by HVCM_BACKEND' : 'first available';

  const attempts: BackendAttempt[] = [];
  for (const name of forced !== undefined ? [forced] : BACKEND_ORDER) {
    const attempt = await tryBackend(name, loadModule, wasmKernels);
    attempts.push(attempt);
    if (attempt.ok) {
      const others = attempts.filter((a) => !a.ok).map((a) => `; ${a.name}: ${a.reason}`);
      const line = `@hvcm/backbones: backend ${name} (${reason})${others.join('')}`;
      log?.(line);
      return { name, tfjsBackend: TFJS_BACKEND_OF[name], reason, attempts, line };
    }
  }
  const details = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  if (forced !== undefined) {
    throw new BackendUnavailableError(
      `Backend '${forced}' was ${reason} but could not be started (${details}). ` +
        `Install ${PACKAGE_OF[forced]} or choose another backend (${BACKEND_ORDER.join(', ')}, or 'auto').`,
      attempts,
    );
  }
  throw new BackendUnavailableError(`No backend could be started (${details}).`, attempts);
}
