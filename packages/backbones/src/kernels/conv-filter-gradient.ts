// TS side of assembly/conv-filter-gradient.ts: the filter gradient of an NHWC convolution computed
// by the hand-written wasm SIMD kernel, straight from x and dy on the tfjs wasm heap into dW.
import type * as tf from '@tensorflow/tfjs-core';
import { callKernelFunction, heapOffset, kernelsFor, withScratch, type KernelExports, type WasmBackendInternals } from './kernel-module';

/** Shapes and padding of one filter gradient (from `computeConv2DInfo`; dilation 1). */
export interface FilterGradientGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  ho: number;
  wo: number;
  co: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** How the reduction over pixels is split: whole images per chunk, or rows of one image. */
export interface ChunkPlan {
  rowsPerChunk: number;
  imagesPerChunk: number;
}

/**
 * Bytes of x (padded rows) plus dy one chunk should hold so that both stay in cache while every
 * output tile sweeps them. With MIN_CHUNK_PIXELS below, measured best on Zen 4 (32 KiB L1d, 1 MiB
 * L2) over the small-resnet layers and a ResNet-18 56x56x64 layer: 8-64 KiB and 64-2048 pixels
 * were within noise or slower (up to 20% at 2048 pixels on 7x7 images).
 */
export const DEFAULT_CHUNK_BYTES = 16 * 1024;

/**
 * Fewest output pixels per chunk: each output tile loads and stores its 8 accumulators once per
 * chunk, so with many channels a chunk spills to L2 rather than get shorter than this.
 */
export const MIN_CHUNK_PIXELS = 128;

/** Padded width of the scratch rows: every column the kernel reads, x copied at `left`. */
export function paddedWidth(g: FilterGradientGeometry): number {
  return Math.max(g.left + g.w, (g.wo - 1) * g.sw + g.kw);
}

/**
 * Output pixels per chunk from the cache budget `bytes` (at least MIN_CHUNK_PIXELS): whole images
 * when one fits, else output rows of one image.
 */
export function chunkPlan(g: FilterGradientGeometry, bytes = DEFAULT_CHUNK_BYTES, minPixels = MIN_CHUNK_PIXELS): ChunkPlan {
  const wp = paddedWidth(g);
  // Per output pixel: its dy row, and its share of the padded x rows (sh rows of wp pixels per output row).
  const pixelBytes = 4 * (g.co + (g.sh * wp * g.ci) / g.wo);
  const pixels = Math.max(minPixels, Math.floor(bytes / pixelBytes));
  const imagePixels = g.ho * g.wo;
  if (imagePixels <= pixels) {
    return { rowsPerChunk: g.ho, imagesPerChunk: Math.max(1, Math.min(g.n, Math.floor(pixels / imagePixels))) };
  }
  return { rowsPerChunk: Math.max(1, Math.min(g.ho, Math.floor(pixels / g.wo))), imagesPerChunk: 1 };
}

/**
 * dW [kh, kw, ci, co] of `x` [n, h, w, ci] and `dy` [n, ho, wo, co] (float32 tensors on the wasm
 * backend `backend`), as a new backend output the caller owns.
 */
export function convFilterGradient(
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
  plan: ChunkPlan = chunkPlan(g),
): tf.TensorInfo {
  checkGeometry(x, dy, g);
  const out = (backend as WasmBackendInternals).makeOutput([g.kh, g.kw, g.ci, g.co], 'float32') as tf.TensorInfo;
  const kernels = kernelsFor(backend);
  const x0 = heapOffset(backend, x);
  const dy0 = heapOffset(backend, dy);
  const dw0 = heapOffset(backend, out);
  const co4 = Math.ceil(g.co / 4) * 4;
  if (co4 === g.co) {
    withScratch(backend, scratchBytes(g, plan), (xs) => run(kernels, x0, dy0, dw0, xs, g, plan));
    return out;
  }
  // Co not a multiple of 4: dy padded with zero channels to co4, dW computed as [kh, kw, ci, co4], cropped.
  const dyPadBytes = 4 * g.n * g.ho * g.wo * co4;
  const dwPadBytes = 4 * g.kh * g.kw * g.ci * co4;
  withScratch(backend, dyPadBytes + dwPadBytes + scratchBytes(g, plan), (dyPad) => {
    const dwPad = dyPad + dyPadBytes;
    callKernelFunction(kernels, 'convFilterGradientPadChannels', dy0, dyPad, g.n * g.ho * g.wo, g.co, co4);
    run(kernels, x0, dyPad, dwPad, dwPad + dwPadBytes, { ...g, co: co4 }, plan);
    callKernelFunction(kernels, 'convFilterGradientCropChannels', dwPad, dw0, g.kh * g.kw * g.ci, co4, g.co);
  });
  return out;
}

/** Bytes of the kernel's x scratch: `imagesPerChunk` chunks of padded x rows. */
function scratchBytes(g: FilterGradientGeometry, plan: ChunkPlan): number {
  return 4 * plan.imagesPerChunk * ((plan.rowsPerChunk - 1) * g.sh + g.kh) * paddedWidth(g) * g.ci;
}

function run(kernels: KernelExports, x: number, dy: number, dw: number, xs: number, g: FilterGradientGeometry, plan: ChunkPlan): void {
  const { n, h, w, ci, ho, wo, co, kh, kw, sh, sw, top, left } = g;
  const args = [x, dy, dw, xs, n, h, w, ci, ho, wo, co, kh, kw, sh, sw, top, left, paddedWidth(g), plan.rowsPerChunk, plan.imagesPerChunk];
  callKernelFunction(kernels, 'convFilterGradient', ...args);
}


function checkGeometry(x: tf.TensorInfo, dy: tf.TensorInfo, g: FilterGradientGeometry): void {
  const xs = [g.n, g.h, g.w, g.ci];
  const dys = [g.n, g.ho, g.wo, g.co];
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`@hvcm/backbones: convFilterGradient needs float32 x and dy, got ${x.dtype} and ${dy.dtype}`);
  }
  if (x.shape.join() !== xs.join() || dy.shape.join() !== dys.join()) {
    throw new Error(
      `@hvcm/backbones: convFilterGradient expects x [${xs.join(', ')}] and dy [${dys.join(', ')}], ` +
        `got [${x.shape.join(', ')}] and [${dy.shape.join(', ')}]`,
    );
  }
  if (g.top < 0 || g.left < 0) {
    throw new Error(`@hvcm/backbones: convFilterGradient needs non-negative padding, got top ${g.top}, left ${g.left}`);
  }
}
