import type { FilterGradientGeometry } from './conv-filter-gradient';

/**
 * Whether the SIMD filter-gradient kernel is faster than the XNNPACK path (a forward convolution on
 * transposed tensors) for this shape. It was on every shape measured (bench/backbones/conv-filter-gradient.ts,
 * CPU ms, wasm, Zen 4), so this is true for all; kept as the one place a losing shape would be excluded:
 * - small-resnet at batch 64 and 128 (3x3 1->16 .. 64->64, 1x1 s2 shortcuts): 1.3x-17x;
 * - ResNet-18 at batch 8: 3x3 64->64 at 56x56 2x, 7x7 s2 3->64 stem 2x, 128/256/512 channels 1.1x-1.5x,
 *   1x1 s2 5x; batch 1-2 at 7x7 512->512 2.7x-2x; 1x1 512->2048 and 2048->512 at 7x7 2.9x, 1.3x;
 * - odd channel counts (Co 1, 2, 3, 6, 10, Ci 3; dy padded to a multiple of 4): 1.2x-10x.
 */
export function simdFilterGradientIsFaster(_g: FilterGradientGeometry): boolean {
  return true;
}
