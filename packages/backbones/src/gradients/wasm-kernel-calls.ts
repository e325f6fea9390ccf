import * as tf from '@tensorflow/tfjs-core';

/** The wasm backend as seen by a kernel: it frees intermediate results by data id. */
export interface KernelBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * Calls another kernel registered for `backendName` directly (no engine bookkeeping, no tape),
 * the way the backends' own kernels compose. The caller frees the result with `free`.
 */
export function callKernel(
  backendName: string,
  kernelName: string,
  backend: KernelBackendLike,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel == null) {
    throw new Error(`@hvcm/backbones: kernel '${kernelName}' is not registered for backend '${backendName}'`);
  }
  const out = kernel.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend });
  return (Array.isArray(out) ? out[0] : out) as tf.TensorInfo;
}

/** Frees an intermediate result of `callKernel` (reshapes share data: this drops one reference). */
export function free(backend: KernelBackendLike, info: tf.TensorInfo): void {
  backend.disposeData(info.dataId);
}
