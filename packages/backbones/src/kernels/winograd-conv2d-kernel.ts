// The wasm backend's `Conv2D`, wrapped: 3x3 stride-1 dilation-1 NHWC float32 convolutions with
// padding 0..2 per side go to the Winograd kernel (F(4x4) or F(2x2)) where it was measured faster
// (`winogradChoice`), everything else to the original (XNNPACK) kernel.
import * as tf from '@tensorflow/tfjs-core';
import { kernelModuleAvailable } from './kernel-module';
import { WasmKernelOverride } from './kernel-override';
import { winogradChoice, winogradConv3x3, type Pads, type WinogradTile } from './winograd-conv2d';

/**
 * Padding and variant for a 3x3 stride-1 NHWC float32 convolution the Winograd kernel can do and
 * is faster at (`winogradChoice`), else undefined.
 */
export function winogradConv2DPlan(x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): { pads: Pads; tile: WinogradTile } | undefined {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  if (filter.shape[0] !== 3 || filter.shape[1] !== 3) return undefined;
  const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (dataFormat !== 'channelsLast') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const { top, bottom, left, right } = info.padInfo;
  if (![top, bottom, left, right].every((p) => p >= 0 && p <= 2)) return undefined;
  if (info.outHeight !== info.inHeight + top + bottom - 2 || info.outWidth !== info.inWidth + left + right - 2) return undefined;
  const tile = winogradChoice(info.batchSize, info.outHeight, info.outWidth, info.inChannels, info.outChannels);
  return tile === 0 ? undefined : { pads: { top, bottom, left, right }, tile };
}

/** A `Conv2D` kernelFunc: Winograd where it applies and is faster, `original` otherwise. */
export function winogradConv2DKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const plan = winogradConv2DPlan(x, filter, args.attrs as unknown as tf.Conv2DAttrs);
    return plan === undefined ? original(args) : winogradConv3x3(args.backend, x, filter, plan.pads, 'forward', plan.tile);
  };
}

const override = new WasmKernelOverride(tf.Conv2D, winogradConv2DKernel, 'registerWinogradConv2D()');

/**
 * Replaces the wasm backend's `Conv2D` with `winogradConv2DKernel` around it (its setupFunc kept).
 * Idempotent. Does nothing (returns false) when the kernel module is not built; throws when
 * `@tensorflow/tfjs-backend-wasm` was not imported (its import would replace ours).
 */
export function registerWinogradConv2D(): boolean {
  return override.install(kernelModuleAvailable);
}

/** Restores the wasm backend's own `Conv2D`. Idempotent. */
export function unregisterWinogradConv2D(): void {
  override.restore();
}

/** True while `registerWinogradConv2D` is in effect. */
export function winogradConv2DRegistered(): boolean {
  return override.installed;
}
