// 3x3 stride-1 convolution on the wasm backend by Winograd F(2x2, 3x3) (assembly/winograd.ts) or
// F(4x4, 3x3) (assembly/winograd-f4.ts): 2.25x or 4x fewer multiplications than XNNPACK's direct
// convolution, which already runs near what 128-bit wasm SIMD allows; only doing less work beats it.
import type * as tf from '@tensorflow/tfjs-core';
import { callKernelFunction, heapOffset, kernelsFor, withScratch } from './kernel-module';

/** Zero padding of the input: rows above/below, columns left/right (each 0..2). */
export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** How the [3, 3, A, B] filter is used: as is (A in, B out), or flipped in space with A and B swapped (the input gradient). */
export type FilterUse = 'forward' | 'flipped';

/** Output tile size m of F(m x m, 3x3): 2 (16 multiplications per 4 outputs) or 4 (36 per 16). */
export type WinogradTile = 2 | 4;

/**
 * Tiles per block, a multiple of 4: one block's transformed input [T, 16 or 36, Ci] and GEMM
 * results stay in L2 while the GEMM streams them against the transformed filter. F(4x4): 16 (the
 * fastest in the sweep of bench/backbones/winograd.ts ... tiles), 8 beyond 64 channels; F(2x2):
 * 64 up to 16 channels, fewer for more (the sweep was flat from 8 to 64).
 */
export function blockTilesFor(ci: number, tile: WinogradTile = 2): number {
  if (tile === 4) return ci <= 64 ? 16 : 8;
  return Math.max(8, Math.min(64, Math.floor(4096 / Math.ceil(ci / 4) / 4 / 4) * 4));
}

/** Number of elements of a shape. */
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

let enabled = process.env.HVCM_WINOGRAD !== '0';

/**
 * Turns the Winograd paths (forward `Conv2D` when registered, stride-1 input gradient) on or off,
 * e.g. to compare against XNNPACK in one process; `HVCM_WINOGRAD=0` starts with them off.
 */
export function setWinogradEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Which Winograd variant to use for a 3x3 stride-1 convolution producing [n, ho, wo, co] from ci
 * channels, or 0 for XNNPACK's direct convolution. From bench/backbones/winograd.ts (forward and
 * input gradient alike, batch 1..128):
 * - F(4x4) beat XNNPACK 2.4-5x on every small-resnet layer and the ResNet-18 layers of 64-256
 *   channels, and from 3 input channels on (1 or 2: 0.8-1.0x: the transforms outweigh the saved
 *   multiplications);
 * - F(2x2) wastes fewer outputs on ragged tiles: it won at 2x2 and 5x5 outputs (F(4x4) computes
 *   4x4 per tile), so F(4x4) only when its multiplications incl. ragged tiles are < 0.9x F(2x2)'s;
 * - at least 32 tiles, so the filter transform is amortised (1 image of 7x7: 0.8-1.2x);
 * - at most 256 x 256 channels: the transformed filter (36 Ci Co floats) stays within ~9 MiB of
 *   scratch (512 x 512 at 7x7, batch 8: 2.1x, but 38 MiB per call, and 0.4x at batch 1).
 */
export function winogradChoice(n: number, ho: number, wo: number, ci: number, co: number): 0 | WinogradTile {
  if (!enabled || ci < 3 || ci * co > 256 * 256) return 0;
  const tiles2 = n * Math.ceil(ho / 2) * Math.ceil(wo / 2);
  const tiles4 = n * Math.ceil(ho / 4) * Math.ceil(wo / 4);
  if (tiles4 >= 32 && 36 * tiles4 < 0.9 * 16 * tiles2) return 4;
  return ci >= 4 && tiles2 >= 32 ? 2 : 0;
}

/**
 * What the kernel applies to each output on the way out (the inference `FusedConv2D`): `bias` [Co]
 * (float32, Co values) added per output channel, then max(0, .) when `relu`.
 */
export interface WinogradEpilogue {
  bias?: tf.TensorInfo;
  relu?: boolean;
}

interface WinogradBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * out [N, Ho, Wo, Co] = 3x3 stride-1 convolution of x [N, H, W, Ci] zero-padded by `pads`, with
 * Ho = H + top + bottom - 2, Wo = W + left + right - 2. `filter` is [3, 3, Ci, Co] ('forward') or
 * [3, 3, Co, Ci] used flipped in space with in/out channels swapped ('flipped': the stride-1 input
 * gradient of a convolution by that filter, with x = dy). `epilogue`: bias and ReLU fused into the
 * output transform (none by default). The caller owns the result.
 */
export function winogradConv3x3(
  backend: unknown,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pads: Pads,
  use: FilterUse = 'forward',
  tile: WinogradTile = 2,
  blockTiles = blockTilesFor(x.shape[3] as number, tile),
  epilogue: WinogradEpilogue = {},
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
  const { bias, relu = false } = epilogue;
  if (bias !== undefined && (bias.dtype !== 'float32' || sizeOf(bias.shape) !== co)) {
    throw new Error(`@hvcm/backbones: winogradConv3x3 bias must be ${co} float32 values, got ${bias.dtype} [${bias.shape.join(', ')}]`);
  }
  const ho = h + pads.top + pads.bottom - 2;
  const wo = w + pads.left + pads.right - 2;
  if (ho < 1 || wo < 1) throw new Error(`@hvcm/backbones: winogradConv3x3 output would be empty (${ho} x ${wo})`);
  const out = (backend as WinogradBackend).makeOutput([n, ho, wo, co], 'float32');
  const k = kernelsFor(backend);
  const f4 = tile === 4;
  const positions = f4 ? 36 : 16;
  const uBytes = positions * ci * roundUp(co, 8) * 4;
  const tmpBytes = 576;
  const scratchBytes = callKernelFunction(k, f4 ? 'winogradF4ScratchBytes' : 'winogradScratchBytes', ci, co, blockTiles);
  withScratch(backend, uBytes + tmpBytes + scratchBytes, (u) => {
    const scratch = u + uBytes + tmpBytes;
    callKernelFunction(k, f4 ? 'winogradF4Filter' : 'winogradFilter', heapOffset(backend, filter), ci, co, use === 'forward' ? 0 : 1, u, u + uBytes);
    callKernelFunction(
      k,
      f4 ? 'winogradF4Conv3x3' : 'winogradConv3x3',
      heapOffset(backend, x), n, h, w, ci, u, co, pads.top, pads.left, ho, wo, heapOffset(backend, out), scratch, blockTiles,
      bias === undefined ? 0 : heapOffset(backend, bias), relu ? 1 : 0,
    );
  });
  return out;
}
