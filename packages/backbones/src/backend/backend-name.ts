import { InvalidArgumentError } from '@hvcm/metrics';

/**
 * The compute backends `selectBackend` knows, in the order it tries them:
 * - `'node-gpu'`: `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA), tfjs backend `'tensorflow'`;
 * - `'node'`: `@tensorflow/tfjs-node` (libtensorflow on the CPU), tfjs backend `'tensorflow'`;
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm` (XNNPACK, one thread in Node), with the fast training
 *   kernels of `registerWasmTrainingKernels`;
 * - `'cpu'`: `@tensorflow/tfjs-backend-cpu` (plain JavaScript; slow, always works).
 */
export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';

/** Every backend in fallback order (fastest first). */
export const BACKEND_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** The tfjs backend name (`tf.getBackend()`) each choice runs on. */
export const TFJS_BACKEND_OF: Readonly<Record<BackendName, string>> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** The npm package whose loading registers each backend. */
export const PACKAGE_OF: Readonly<Record<BackendName, string>> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Reads a backend request (`HVCM_BACKEND`, a CLI `--backend`, an option). `undefined`, `''` and
 * `'auto'` mean "try all in order" and give `undefined`. Throws `InvalidArgumentError` for anything else.
 */
export function parseBackendName(value: string | undefined, source: string): BackendName | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'auto') return undefined;
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName;
  throw new InvalidArgumentError(
    `${source}: expected one of ${BACKEND_ORDER.map((b) => `'${b}'`).join(', ')} or 'auto', got '${value}'. ` +
      `Unset it to pick the fastest available backend.`,
  );
}
