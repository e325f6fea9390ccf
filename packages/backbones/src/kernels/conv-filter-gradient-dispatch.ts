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
 * - Winograd F(2x2, 3x3) beat the direct kernel on 3x3 stride-1 layers (Ci, Co multiples of 4) from
 *   14x14 up: small-resnet 16->16 at 28x28 and 32->32 at 14x14 at batch 64/128 1.5x-2x; ResNet-18
 *   at batch 8: 64->64 at 56x56 2x, 128->128 at 28x28 1.8x, 256->256 at 14x14 1.7x, 512->512 at
 *   7x7 1.3x; and tied at 7x7 with 64 channels (the 4x4 grid of 2x2 tiles over 7x7 wastes a
 *   quarter). Below 7x7 the waste grows (4/9 at 3x3): direct there.
 */
export function fastestFilterGradient(g: FilterGradientGeometry): FilterGradientKernel {
  if (winogradFilterGradientApplies(g) && g.ho >= 7 && g.wo >= 7) return 'winograd';
  return 'direct';
}
