// TS side of assembly/conv-filter-gradient-winograd.ts: the filter gradient of a 3x3 stride-1 NHWC
// convolution by Winograd F(2x2, 3x3) (2.25x fewer multiplications than the direct SIMD kernel).
import type * as tf from '@tensorflow/tfjs-core';
import { callKernelFunction, heapOffset, kernelsFor, withScratch, type WasmBackendInternals } from './kernel-module';
import type { FilterGradientGeometry } from './conv-filter-gradient';

/** How the tiles (2x2 output pixels each) are split into chunks: whole images, or tile rows of one image. */
export interface WinogradChunkPlan {
  tileRowsPerChunk: number;
  imagesPerChunk: number;
}

/** Tiles per chunk (tuned with bench/backbones/conv-filter-gradient.ts). */
export const WINOGRAD_CHUNK_TILES = 128;

/** True for the shapes the Winograd kernel computes: 3x3, stride 1, Ci and Co multiples of 4. */
export function winogradFilterGradientApplies(g: FilterGradientGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.ci % 4 === 0 && g.co % 4 === 0;
}

/** Whole images per chunk when one image has at most `tiles` tiles, else that many tiles' rows of one image. */
export function winogradChunkPlan(g: FilterGradientGeometry, tiles = WINOGRAD_CHUNK_TILES): WinogradChunkPlan {
  const tileRows = Math.ceil(g.ho / 2);
  const tileCols = Math.ceil(g.wo / 2);
  if (tileRows * tileCols <= tiles) {
    return { tileRowsPerChunk: tileRows, imagesPerChunk: Math.max(1, Math.min(g.n, Math.floor(tiles / (tileRows * tileCols)))) };
  }
  return { tileRowsPerChunk: Math.max(1, Math.min(tileRows, Math.floor(tiles / tileCols))), imagesPerChunk: 1 };
}

/**
 * dW [3, 3, ci, co] of `x` [n, h, w, ci] and `dy` [n, ho, wo, co] (float32, wasm backend) for a
 * shape `winogradFilterGradientApplies` accepts, as a new backend output the caller owns.
 */
export function convFilterGradientWinograd(
  backend: unknown,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
  plan: WinogradChunkPlan = winogradChunkPlan(g),
): tf.TensorInfo {
  if (!winogradFilterGradientApplies(g)) {
    throw new Error(
      `@hvcm/backbones: convFilterGradientWinograd needs a 3x3 stride-1 kernel with ci, co multiples of 4, ` +
        `got ${g.kh}x${g.kw} stride ${g.sh}x${g.sw}, ci ${g.ci}, co ${g.co}`,
    );
  }
  const kernels = kernelsFor(backend);
  const tileCols = Math.ceil(g.wo / 2);
  const wp = Math.max(g.left + g.w, 2 * tileCols + 2);
  const bytes = callKernelFunction(kernels, 'convFilterGradientWinogradScratchBytes', g.ci, g.co, wp, plan.tileRowsPerChunk, plan.imagesPerChunk, tileCols);
  const out = (backend as WasmBackendInternals).makeOutput([3, 3, g.ci, g.co], 'float32') as tf.TensorInfo;
  const [x0, dy0, dw0] = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, out)];
  withScratch(backend, bytes, (scratch) => {
    const { n, h, w, ci, ho, wo, co, top, left } = g;
    callKernelFunction(kernels, 'convFilterGradientWinograd', x0, dy0, dw0, scratch, n, h, w, ci, ho, wo, co, top, left, wp, plan.tileRowsPerChunk, plan.imagesPerChunk);
  });
  return out;
}

