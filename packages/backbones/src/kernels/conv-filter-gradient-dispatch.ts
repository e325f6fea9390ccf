import type { FilterGradientGeometry } from './conv-filter-gradient';
import { winogradFilterGradientApplies } from './conv-filter-gradient-winograd';

/** The implementations of Conv2DBackpropFilter on wasm: the two SIMD kernels and the XNNPACK path. */
export type FilterGradientKernel = 'winograd' | 'direct' | 'xnnpack';

/**
 * The fastest measured implementation for a shape (bench/backbones/conv-filter-gradient.ts, CPU ms,
 * wasm, Zen 4).
 * - The direct SIMD kernel beat the XNNPACK path (a forward convolution on transposed tensors) on
 *   every shape measured: small-resnet at batch 64 and 128 (3x3 1->16 .. 64->64, 1x1 s2 shortcuts)
 *   1.3x-17x; ResNet-18 at batch 8 (3x3 64->64 at 56x56 2x, 7x7 s2 stem 2x, 128-512 channels
 *   1.1x-1.5x, 1x1 s2 5x; 512->512 at 7x7 batch 1-2 2-2.7x; 1x1 512<->2048 1.3x-2.9x); odd channel
 *   counts (Co 1-10, Ci 3) 1.2x-10x. So XNNPACK is never chosen (it stays the fallback when the
 *   kernel module is not built).
 * - Winograd F(2x2, 3x3) beat the direct kernel on 3x3 stride-1 layers from 14x14 up (small-resnet
 *   16->16 at 28x28 and 32->32 at 14x14, batch 128: 1.45x, 1.65x; ResNet-18 64->64 at 56x56: 1.6x)
 *   and tied at 7x7 (64->64: a 4x4 tile grid over 7x7 wastes a quarter); its per-position
 *   accumulators (16 Ci Co floats) are re-read per chunk, so it is kept to Ci Co <= 128 * 128.
 */
export function fastestFilterGradient(g: FilterGradientGeometry): FilterGradientKernel {
  if (winogradFilterGradientApplies(g) && g.ho >= 8 && g.wo >= 8 && g.ci * g.co <= 128 * 128) return 'winograd';
  return 'direct';
}
