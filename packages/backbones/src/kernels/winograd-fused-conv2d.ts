// The wasm backend's `FusedConv2D` (conv + bias + activation: what inference runs once BatchNorm
// is folded into the convolutions), wrapped: 3x3 stride-1 convolutions that `winogradConv2DPlan`
// accepts, with activation 'linear' or 'relu' and a [Co] float32 bias (or none), run on the
// Winograd kernel with bias and ReLU applied in its output transform (no extra pass over the
// output). Everything else (other activations, prelu / leakyrelu, other shapes) goes to the
// original (XNNPACK) kernel.
import * as tf from '@tensorflow/tfjs-core';
import { kernelModuleAvailable } from './kernel-module';
import { WasmKernelOverride } from './kernel-override';
import { winogradConv3x3 } from './winograd-conv2d';
import { winogradConv2DPlan } from './winograd-conv2d-kernel';


/** `FusedConv2D`'s inputs (bias and prelu weights optional). */
export interface FusedInputs {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

/** Whether the epilogue is one the Winograd kernel fuses: 'linear' or 'relu', bias absent or [Co] float32. */
function fusableEpilogue(inputs: FusedInputs, attrs: tf.FusedConv2DAttrs, co: number): boolean {
  if (attrs.activation !== 'linear' && attrs.activation !== 'relu') return false;
  if (inputs.preluActivationWeights != null) return false;
  const { bias } = inputs;
  return bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === co);
}

/**
 * Padding and variant when the Winograd kernel takes this `FusedConv2D` (shape as `winogradConv2DPlan`,
 * activation 'linear' or 'relu', bias absent or [Co] float32, no prelu weights), else undefined.
 */
export function winogradFusedConv2DPlan(inputs: FusedInputs, attrs: tf.FusedConv2DAttrs): ReturnType<typeof winogradConv2DPlan> {
  const { x, filter } = inputs;
  if (filter.shape.length !== 4 || !fusableEpilogue(inputs, attrs, filter.shape[3] as number)) return undefined;
  return winogradConv2DPlan(x, filter, attrs);
}

/** A `FusedConv2D` kernelFunc: Winograd with fused bias/ReLU where it applies and is faster, `original` otherwise. */
export function winogradFusedConv2DKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as FusedInputs;
    const attrs = args.attrs as unknown as tf.FusedConv2DAttrs;
    const plan = winogradFusedConv2DPlan(inputs, attrs);
    if (plan === undefined) return original(args);
    return winogradConv3x3(args.backend, inputs.x, inputs.filter, plan.pads, 'forward', plan.tile, undefined, {
      bias: inputs.bias ?? undefined,
      relu: attrs.activation === 'relu',
    });
  };
}

const override = new WasmKernelOverride(tf.FusedConv2D, winogradFusedConv2DKernel, 'registerWinogradFusedConv2D()');

/**
 * Replaces the wasm backend's `FusedConv2D` with `winogradFusedConv2DKernel` around it (its
 * setupFunc kept). Idempotent. Does nothing (returns false) when the kernel module is not built;
 * throws when `@tensorflow/tfjs-backend-wasm` was not imported (its import would replace ours).
 */
export function registerWinogradFusedConv2D(): boolean {
  return override.install(kernelModuleAvailable);
}

/** Restores the wasm backend's own `FusedConv2D`. Idempotent. */
export function unregisterWinogradFusedConv2D(): void {
  override.restore();
}

/** True while `registerWinogradFusedConv2D` is in effect. */
export function winogradFusedConv2DRegistered(): boolean {
  return override.installed;
}
