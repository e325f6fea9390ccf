import * as tf from '@tensorflow/tfjs-core';
import './register-core-gradients';
import { conv2dBackpropFilterViaConv } from './conv2d-backprop-filter';
import { conv2dBackpropInputViaConv } from './conv2d-backprop-input';
import { fusedBatchNormGradient } from './fused-batch-norm-gradient';
import { registerWinogradConv2D, unregisterWinogradConv2D } from '../kernels/winograd-conv2d-kernel';
import { registerWinogradFusedConv2D, unregisterWinogradFusedConv2D } from '../kernels/winograd-fused-conv2d';
import { registerBatchNormWasmKernels, unregisterBatchNormWasmKernels } from '../kernels/batch-norm-wasm-kernels';
import { registerSharedIdentity, unregisterSharedIdentity } from '../kernels/shared-identity';

const WASM = 'wasm';

interface Saved {
  input: tf.KernelConfig | undefined;
  batchNormGradient: tf.GradConfig | undefined;
}
let saved: Saved | undefined;

/**
 * Makes CNN training fast on the `wasm` backend (DESIGN.md section 5), and only there:
 * - registers `Conv2DBackpropFilter` for `wasm` (missing there: training a conv net fails without it),
 *   computed as one XNNPACK forward convolution;
 * - replaces `wasm`'s `Conv2DBackpropInput` (a plain loop) with one XNNPACK forward convolution;
 * - replaces the `FusedBatchNorm` gradient by per-channel reductions when the active backend is
 *   `wasm`. Gradients live in one registry shared by all backends, so the override checks
 *   `tf.getBackend()` and calls tfjs-core's own gradient on every other backend.
 * - wraps wasm's `Conv2D` so that 3x3 stride-1 convolutions run as Winograd convolutions on the
 *   hand-written SIMD kernels where measured faster than XNNPACK (`registerWinogradConv2D`; likewise
 *   the inference `FusedConv2D` with bias + linear/ReLU fused in, `registerWinogradFusedConv2D`; skipped
 *   when the kernel module is not built, as the filter/input gradients then keep their XNNPACK paths).
 * - registers the fused training-mode BatchNorm (+ ReLU) and add + ReLU kernels (the ops in
 *   kernels/batch-norm-ops.ts also register them on first use on `wasm`; unregistering sends those ops
 *   back to their tfjs-op path).
 * - replaces wasm's `Identity` (a full copy; the engine clones every input a gradient saves) by one
 *   that shares the data, as the cpu backend's does.
 * Other backends' kernels are untouched. Idempotent; `selectBackend` calls it when it picks `wasm`.
 * Call it after `@tensorflow/tfjs-backend-wasm` is imported (its import registers wasm's own kernels
 * and would replace ours); it throws otherwise.
 */
export function registerWasmTrainingKernels(): void {
  if (saved !== undefined) return;
  if (tf.getKernel(tf.Conv2D, WASM) == null) {
    throw new Error(
      "@hvcm/backbones: registerWasmTrainingKernels() needs the wasm backend's kernels: import '@tensorflow/tfjs-backend-wasm' first (selectBackend does).",
    );
  }
  const input = tf.getKernel(tf.Conv2DBackpropInput, WASM);
  const batchNormGradient = tf.getGradient(tf.FusedBatchNorm);
  saved = { input, batchNormGradient };

  if (tf.getKernel(tf.Conv2DBackpropFilter, WASM) != null) tf.unregisterKernel(tf.Conv2DBackpropFilter, WASM);
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: WASM,
    kernelFunc: conv2dBackpropFilterViaConv(WASM) as unknown as tf.KernelFunc,
  });
  if (input != null) tf.unregisterKernel(tf.Conv2DBackpropInput, WASM);
  tf.registerKernel({
    kernelName: tf.Conv2DBackpropInput,
    backendName: WASM,
    kernelFunc: conv2dBackpropInputViaConv(WASM) as unknown as tf.KernelFunc,
  });

  registerWinogradConv2D();
  registerWinogradFusedConv2D();
  registerBatchNormWasmKernels();
  registerSharedIdentity();

  if (batchNormGradient != null) {
    const fast = fusedBatchNormGradient(batchNormGradient.gradFunc);
    tf.registerGradient({
      ...batchNormGradient,
      gradFunc: (dy, tensors, attrs) =>
        tf.getBackend() === WASM ? fast(dy, tensors, attrs) : batchNormGradient.gradFunc(dy, tensors, attrs),
    });
  }
}

/** Undoes `registerWasmTrainingKernels` (restores wasm's own kernels and tfjs-core's gradient). */
export function unregisterWasmTrainingKernels(): void {
  if (saved === undefined) return;
  unregisterWinogradConv2D();
  unregisterWinogradFusedConv2D();
  unregisterBatchNormWasmKernels();
  unregisterSharedIdentity();
  tf.unregisterKernel(tf.Conv2DBackpropFilter, WASM);
  tf.unregisterKernel(tf.Conv2DBackpropInput, WASM);
  if (saved.input != null) tf.registerKernel(saved.input);
  if (saved.batchNormGradient != null) tf.registerGradient(saved.batchNormGradient);
  saved = undefined;
}

/** True while the fast wasm training kernels are registered. */
export function wasmTrainingKernelsRegistered(): boolean {
  return saved !== undefined;
}
