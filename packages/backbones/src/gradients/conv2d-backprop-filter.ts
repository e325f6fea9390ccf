import * as tf from '@tensorflow/tfjs-core';
import { callKernel, free, type KernelBackendLike } from './wasm-kernel-calls';
import { kernelModuleHas } from '../kernels/kernel-module';
import { convFilterGradient, type FilterGradientGeometry } from '../kernels/conv-filter-gradient';
import { convFilterGradientWinograd } from '../kernels/conv-filter-gradient-winograd';
import { fastestFilterGradient, type FilterGradientKernel } from '../kernels/conv-filter-gradient-dispatch';

/**
 * Which implementation `conv2dBackpropFilterViaConv` uses: the fastest measured for the shape
 * ('auto', the default), or forced: 'simd' the direct SIMD kernel, 'winograd' the Winograd one
 * (3x3 stride 1, Ci and Co multiples of 4 only), 'xnnpack' the forward convolution below.
 */
export type FilterGradientPath = 'auto' | 'simd' | 'winograd' | 'xnnpack';

/**
 * `Conv2DBackpropFilter` (which the wasm backend lacks) as one forward convolution, so it runs on
 * XNNPACK. With `x` [N, H, W, C], `dy` [N, Ho, Wo, Co], stride s and padding (pt, pl):
 *   dW[i, j, c, o] = sum_{n, p, q} xpad[n, p*s + i, q*s + j, c] * dy[n, p, q, o].
 * That is a convolution of `x` with batch and channel swapped (`[C, H, W, N]`) by `dy` as the filter
 * (`[Ho, Wo, N, Co]`) at stride 1 and dilation s; the padding is handed to the convolution (free in
 * XNNPACK's indirection buffer), the result `[C, kh', kw', Co]` is cropped to `[kh, kw]` and
 * transposed back to `[kh, kw, C, Co]`.
 * On `wasm`, where measured faster (`fastestFilterGradient`) and the kernel module is built, a
 * hand-written SIMD kernel computes dW instead: directly (src/kernels/conv-filter-gradient.ts) or,
 * for 3x3 stride-1 layers, by Winograd F(2x2, 3x3) (src/kernels/conv-filter-gradient-winograd.ts).
 * `path` forces one implementation (benchmarks and tests).
 */
export function conv2dBackpropFilterViaConv(backendName: string, path: FilterGradientPath = 'auto') {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
    const backend = args.backend as KernelBackendLike;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
    const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (dataFormat !== 'channelsLast') {
      throw new Error(`@hvcm/backbones: Conv2DBackpropFilter on ${backendName} supports NHWC only, got ${attrs.dataFormat}`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      dataFormat,
    );
    const g = geometryOf(info, x, dy);
    const kernel = chooseKernel(backendName, path, g, x, dy, backend);
    if (kernel === 'winograd') return convFilterGradientWinograd(backend, x, dy, g);
    if (kernel === 'direct') return convFilterGradient(backend, x, dy, g);
    return viaXnnpack(backendName, backend, x, dy, g);
  };
}

/** The shapes, strides and top/left padding of one filter gradient, from tfjs' convolution info. */
function geometryOf(info: tf.backend_util.Conv2DInfo, x: tf.TensorInfo, dy: tf.TensorInfo): FilterGradientGeometry {
  return {
    n: x.shape[0] as number,
    h: info.inHeight,
    w: info.inWidth,
    ci: x.shape[3] as number,
    ho: info.outHeight,
    wo: info.outWidth,
    co: dy.shape[3] as number,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/** The gradient as one XNNPACK forward convolution (see `conv2dBackpropFilterViaConv`). */
function viaXnnpack(
  backendName: string,
  backend: KernelBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: FilterGradientGeometry,
): tf.TensorInfo {
  const { kh, kw, sh, sw, ho, wo, top, left, ci: c, co } = g;
  // Rows the correlation reads: up to (kh - 1) + (ho - 1) * sh in padded coordinates. Pad the
  // bottom/right just enough (never negative); any surplus output row or column is cropped.
  const bottom = Math.max(0, kh + (ho - 1) * sh - g.h - top);
  const right = Math.max(0, kw + (wo - 1) * sw - g.w - left);

  const hp = g.h + top + bottom;
  const wp = g.w + left + right;
  // XNNPACK re-lays out (packs) the convolution's filter on every call, at several ns per value:
  // at stride 1, when x is the smaller tensor, pack x instead (see below). Not for few input
  // channels: they become the output channels of that convolution, which XNNPACK computes in
  // tiles of 8. Measured (CPU ms, wasm): 1x1 16->64 on [32, 28, 28]: 25.7 -> 21.4; 1x1 64->256 on
  // [32, 14, 14]: 35.4 -> 33.2; but a 3x3 stem 1->16 on [128, 28, 28]: 25.0 -> 29.2.
  if (sh === 1 && sw === 1 && c >= 16 && hp * wp * c < ho * wo * co) {
    return filterAsInput(backendName, backend, x, dy, { kh, kw, top, bottom, left, right, hp, wp, ho, wo });
  }

  const xT = callKernel(backendName, 'Transpose', backend, { x }, { perm: [3, 1, 2, 0] }); // [C, H, W, N]
  const dyT = callKernel(backendName, 'Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [Ho, Wo, N, Co]
  const conv = callKernel(
    backendName,
    'Conv2D',
    backend,
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dilations: [sh, sw],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined as unknown as string,
    } as unknown as tf.NamedAttrMap,
  ); // [C, kh', kw', Co] with kh' >= kh, kw' >= kw
  free(backend, xT);
  free(backend, dyT);
  let cropped = conv;
  if (conv.shape[1] !== kh || conv.shape[2] !== kw) {
    cropped = callKernel(backendName, 'Slice', backend, { x: conv }, { begin: [0, 0, 0, 0], size: [-1, kh, kw, -1] });
    free(backend, conv);
  }
  const dw = callKernel(backendName, 'Transpose', backend, { x: cropped }, { perm: [1, 2, 0, 3] }); // [kh, kw, C, Co]
  free(backend, cropped);
  return dw;
}

/**
 * The SIMD kernels run on wasm for float32: when forced, or (under 'auto') when faster for the shape
 * and present in the built kernel module (else the XNNPACK path: module not built, or built before
 * the kernel existed).
 */
function chooseKernel(
  backendName: string,
  path: FilterGradientPath,
  g: FilterGradientGeometry,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  backend: unknown,
): FilterGradientKernel {
  if (path === 'xnnpack' || backendName !== 'wasm' || x.dtype !== 'float32' || dy.dtype !== 'float32') return 'xnnpack';
  // Forced, a missing kernel module is an error (KernelModuleMissingError), not a silent fallback.
  if (path === 'simd') return 'direct';
  if (path === 'winograd') return 'winograd';
  const fastest = fastestFilterGradient(g);
  if (fastest === 'winograd' && kernelModuleHas(backend, WINOGRAD_EXPORTS)) return 'winograd';
  return fastest !== 'xnnpack' && kernelModuleHas(backend, DIRECT_EXPORTS) ? 'direct' : 'xnnpack';
}

const DIRECT_EXPORTS = ['convFilterGradient', 'convFilterGradientPadChannels', 'convFilterGradientCropChannels'];
const WINOGRAD_EXPORTS = ['convFilterGradientWinograd', 'convFilterGradientWinogradScratchBytes'];

/**
 * The same gradient at stride 1 with the roles swapped, so that the padded `x` is the packed filter
 * (cheaper when `x` is smaller than `dy`: a stem with 1-3 input channels, a 1x1 expansion):
 *   dW[kh-1-y, kw-1-z, c, o] = sum_{u, v, n} dyPad[o, y + u, z + v, n] * xpad[u, v, n, c],
 * a convolution of `dy` as `[Co, Ho, Wo, N]` padded by kh - 1 (top) and Hp - Ho (bottom), by `xpad` as
 * `[Hp, Wp, N, C]`, whose `[Co, kh, kw, C]` result is flipped in space and transposed to `[kh, kw, C, Co]`.
 */
function filterAsInput(
  backendName: string,
  backend: KernelBackendLike,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: { kh: number; kw: number; top: number; bottom: number; left: number; right: number; hp: number; wp: number; ho: number; wo: number },
): tf.TensorInfo {
  let xPad = x;
  if (g.top > 0 || g.bottom > 0 || g.left > 0 || g.right > 0) {
    xPad = callKernel(
      backendName,
      'PadV2',
      backend,
      { x },
      {
        paddings: [
          [0, 0],
          [g.top, g.bottom],
          [g.left, g.right],
          [0, 0],
        ],
        constantValue: 0,
      } as unknown as tf.NamedAttrMap,
    );
  }
  const filter = callKernel(backendName, 'Transpose', backend, { x: xPad }, { perm: [1, 2, 0, 3] }); // [Hp, Wp, N, C]
  if (xPad !== x) free(backend, xPad);
  const dyT = callKernel(backendName, 'Transpose', backend, { x: dy }, { perm: [3, 1, 2, 0] }); // [Co, Ho, Wo, N]
  const conv = callKernel(
    backendName,
    'Conv2D',
    backend,
    { x: dyT, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [g.kh - 1, g.hp - g.ho],
        [g.kw - 1, g.wp - g.wo],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined as unknown as string,
    } as unknown as tf.NamedAttrMap,
  ); // [Co, kh, kw, C]
  free(backend, filter);
  free(backend, dyT);
  const flipped = callKernel(backendName, 'Reverse', backend, { x: conv }, { dims: [1, 2] });
  free(backend, conv);
  const dw = callKernel(backendName, 'Transpose', backend, { x: flipped }, { perm: [1, 2, 3, 0] }); // [kh, kw, C, Co]
  free(backend, flipped);
  return dw;
}
