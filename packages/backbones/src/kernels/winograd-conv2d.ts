// 3x3 stride-1 convolution on the wasm backend by Winograd F(2x2, 3x3) (assembly/winograd.ts):
// 2.25x fewer multiplications than XNNPACK's direct convolution, which already runs near what
// 128-bit wasm SIMD allows; only doing less work beats it.
import type * as tf from '@tensorflow/tfjs-core';
import { heapOffset, kernelsFor, withScratch } from './kernel-module';

/** Zero padding of the input: rows above/below, columns left/right (each 0..2). */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** How the [3, 3, A, B] filter is used: as is (A in, B out), or flipped in space with A and B swapped (the input gradient). */
export type FilterUse = 'forward' | 'flipped';

/** Tiles (2x2 outputs each) per block: the scratch of one block stays in L2. */
export const BLOCK_TILES = 32;

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

interface WinogradBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * out [N, Ho, Wo, Co] = 3x3 stride-1 convolution of x [N, H, W, Ci] zero-padded by `pads`, with
 * Ho = H + top + bottom - 2, Wo = W + left + right - 2. `filter` is [3, 3, Ci, Co] ('forward') or
 * [3, 3, Co, Ci] used flipped in space with in/out channels swapped ('flipped': the stride-1 input
 * gradient of a convolution by that filter, with x = dy). The caller owns the result.
 */
export function winogradConv3x3(
  backend: unknown,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pads: Pads,
  use: FilterUse = 'forward',
): tf.TensorInfo {
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [kh, kw, a, b] = filter.shape as [number, number, number, number];
  const co = use === 'forward' ? b : a;
  if (kh !== 3 || kw !== 3 || (use === 'forward' ? a : b) !== ci) {
    throw new Error(
      `@hvcm/backbones: winogradConv3x3 (${use}) needs a [3, 3, ${use === 'forward' ? `${ci}, Co` : `Co, ${ci}`}] filter for input [${x.shape.join(', ')}], got [${filter.shape.join(', ')}]`,
    );
  }
  for (const [side, p] of Object.entries(pads)) {
    if (!Number.isInteger(p) || p < 0 || p > 2) throw new Error(`@hvcm/backbones: winogradConv3x3 padding ${side} must be 0..2, got ${p}`);
  }
  const ho = h + pads.top + pads.bottom - 2;
  const wo = w + pads.left + pads.right - 2;
  if (ho < 1 || wo < 1) throw new Error(`@hvcm/backbones: winogradConv3x3 output would be empty (${ho} x ${wo})`);
  const out = (backend as WinogradBackend).makeOutput([n, ho, wo, co], 'float32');
  const k = kernelsFor(backend);
  const uBytes = 16 * ci * roundUp(co, 8) * 4;
  const scratchBytes = k.winogradScratchBytes!(ci, co, BLOCK_TILES) as number;
  withScratch(backend, uBytes + scratchBytes, (u) => {
    const g = heapOffset(backend, filter);
    const plane = ci * co;
    if (use === 'forward') k.winogradFilter!(g, ci, co, 0, 3 * plane, plane, co, 1, u);
    else k.winogradFilter!(g, ci, co, 8 * plane, -3 * plane, -plane, 1, ci, u);
    k.winogradConv3x3!(heapOffset(backend, x), n, h, w, ci, u, co, pads.top, pads.left, ho, wo, heapOffset(backend, out), u + uBytes, BLOCK_TILES);
  });
  return out;
}
