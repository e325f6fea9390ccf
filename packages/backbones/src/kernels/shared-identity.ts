import * as tf from '@tensorflow/tfjs-core';

const WASM = 'wasm';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * `Identity` on wasm without a copy: the output shares the input's data and takes a reference, as
 * the cpu and webgl backends do. The wasm backend's own `Identity` copies the whole tensor, and the
 * engine clones (Identity) every input it saves for a gradient, so a training step copied each conv
 * input once more (41 copies, ~5 ms at batch 128 on small-resnet). Sharing is safe because no kernel
 * writes into its inputs: outputs always get fresh memory, and `Variable.assign` swaps data ids.
 */
function sharedIdentity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let saved: tf.KernelConfig | undefined;

/** Replaces wasm's copying `Identity` (strings keep it: their data lives in JS). Idempotent. */
export function registerSharedIdentity(): void {
  if (saved !== undefined) return;
  const original = tf.getKernel(tf.Identity, WASM);
  if (original == null) return;
  saved = original;
  tf.unregisterKernel(tf.Identity, WASM);
  tf.registerKernel({
    ...original,
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown }) =>
      (args.inputs.x as tf.TensorInfo).dtype === 'string'
        ? original.kernelFunc(args as never)
        : sharedIdentity(args)) as unknown as tf.KernelFunc,
  });
}

/** Restores wasm's own `Identity`. Idempotent. */
export function unregisterSharedIdentity(): void {
  if (saved === undefined) return;
  tf.unregisterKernel(tf.Identity, WASM);
  tf.registerKernel(saved);
  saved = undefined;
}
