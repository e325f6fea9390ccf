// 3x3 stride-1 convolution on the wasm backend by Winograd F(2x2, 3x3) (assembly/winograd.ts):
// 2.25x fewer multiplications than XNNPACK's direct convolution, which already runs near what
// 128-bit wasm SIMD allows; only doing less work beats it.
import type * as tf from '@tensorflow/tfjs-core';
import { heapOffset, kernelsFor, withScratch, type KernelExports } from './kernel-module';

/** Zero padding of the input: rows above/below, columns left/right (each 0..2). */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** How the [3, 3, A, B] filter is used: as is (A in, B out), or flipped in space with A and B swapped (the input gradient). */
export type FilterUse = 'forward' | 'flipped';

/**
 * Tiles (2x2 outputs each) per block, a multiple of 4: one position's slice of the input transform
 * [T, Ci] stays in L1 next to the filter panel [Ci, 8] the GEMM streams it against.
 */
export function blockTilesFor(ci: number): number {
  return Math.max(8, Math.min(64, Math.floor(4096 / Math.ceil(ci / 4) / 4 / 4) * 4));
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * True when the Winograd kernel beat XNNPACK's direct convolution for this layer in
 * bench/backbones/winograd.ts (forward and input gradient alike): at least 8 input and 4 output
 * channels (with fewer, the transforms outweigh the saved multiplications: 1..4 -> 16 ran 0.5-0.95x),
 * at most 256 x 256 channels (the transformed filter, 16 * Ci * Co floats, must stay in cache; 512 x
 * 512 was barely faster) and at least 16 tiles (to amortise the filter transform).
 */
export function winogradIsFaster(n: number, ho: number, wo: number, ci: number, co: number): boolean {
  const tiles = n * Math.ceil(ho / 2) * Math.ceil(wo / 2);
  return ci >= 8 && co >= 4 && ci * co <= 256 * 256 && tiles >= 16;
}

/** A function of the kernel module (an error naming it when the module is stale and lacks it). */
function exported(k: KernelExports, name: string): (...args: number[]) => number | undefined {
  const f = k[name];
  if (f === undefined) throw new Error(`@hvcm/backbones: the wasm kernel module has no ${name}; rebuild it (pnpm --filter @hvcm/backbones build:wasm)`);
  return f;
}

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
  blockTiles = blockTilesFor(x.shape[3] as number),
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
  const scratchBytes = exported(k, 'winogradScratchBytes')(ci, co, blockTiles) as number;
  withScratch(backend, uBytes + 256 + scratchBytes, (u) => {
    const scratch = u + uBytes + 256;
    exported(k, 'winogradFilter')(heapOffset(backend, filter), ci, co, use === 'forward' ? 0 : 1, u, u + uBytes);
    exported(k, 'winogradConv3x3')(heapOffset(backend, x), n, h, w, ci, u, co, pads.top, pads.left, ho, wo, heapOffset(backend, out), scratch, blockTiles);
  });
  return out;
}
