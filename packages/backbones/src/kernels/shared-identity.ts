import * as tf from '@tensorflow/tfjs-core';
import { WasmKernelOverride } from './kernel-override';

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

/** Strings keep the copying kernel: their data lives in JS, not in the heap. */
const override = new WasmKernelOverride(
  tf.Identity,
  (original) =>
    ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown }) =>
      (args.inputs.x as tf.TensorInfo).dtype === 'string'
        ? original(args as never)
        : sharedIdentity(args)) as unknown as tf.KernelFunc,
  'registerSharedIdentity()',
);

/** Replaces wasm's copying `Identity` (no-op while the wasm backend is not loaded). Idempotent. */
export function registerSharedIdentity(): void {
  if (tf.getKernel(tf.Identity, 'wasm') != null) override.install();
}

/** Restores wasm's own `Identity`. Idempotent. */
export function unregisterSharedIdentity(): void {
  override.restore();
}
