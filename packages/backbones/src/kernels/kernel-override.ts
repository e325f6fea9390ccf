import * as tf from '@tensorflow/tfjs-core';

/**
 * One of the wasm backend's own kernels replaced by a wrapper around it (its setupFunc and
 * disposeFunc kept), and put back on `restore()`. The wrapper decides per call whether to run our
 * kernel or the original. Used for `Conv2D`, `FusedConv2D` (Winograd) and `Identity` (shared data).
 */
export class WasmKernelOverride {
  private saved: tf.KernelConfig | undefined;

  /** `wrap` builds the replacement from the original kernelFunc; `owner` names the caller in errors. */
  constructor(
    private readonly kernelName: string,
    private readonly wrap: (original: tf.KernelFunc) => tf.KernelFunc,
    private readonly owner: string,
  ) {}

  /**
   * Installs the wrapper unless `usable()` says our kernel cannot run (the kernel module is not
   * built, say); true when installed (idempotent). Throws when the wasm backend's kernel is not
   * registered: `@tensorflow/tfjs-backend-wasm` must be imported first, as its import would replace ours.
   */
  install(usable: () => boolean = () => true): boolean {
    if (this.saved !== undefined) return true;
    const original = tf.getKernel(this.kernelName, 'wasm');
    if (original == null) {
      throw new Error(
        `@hvcm/backbones: ${this.owner} needs the wasm backend's kernels: import '@tensorflow/tfjs-backend-wasm' first`,
      );
    }
    if (!usable()) return false;
    this.saved = original;
    tf.unregisterKernel(this.kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: this.wrap(original.kernelFunc) });
    return true;
  }

  /** Puts the wasm backend's own kernel back (idempotent). */
  restore(): void {
    if (this.saved === undefined) return;
    tf.unregisterKernel(this.kernelName, 'wasm');
    tf.registerKernel(this.saved);
    this.saved = undefined;
  }

  /** True while the wrapper is installed. */
  get installed(): boolean {
    return this.saved !== undefined;
  }
}
