import * as tf from '@tensorflow/tfjs-core';
import { callKernel, free, type KernelBackendLike } from './wasm-kernel-calls';
import { kernelModuleAvailable } from '../kernels/kernel-module';
import { winogradChoice, winogradConv3x3, type Pads, type WinogradTile } from '../kernels/winograd-conv2d';

/** What the strided path needs beyond `KernelBackendLike`: building a small tensor from JavaScript. */
interface WasmBackendLike extends KernelBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

const CONV_ATTRS = { strides: [1, 1], dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined };

/** Stride-1 `Conv2D` of `x` by `filter` with explicit padding [[top, bottom], [left, right]]. */
function conv(
  backendName: string,
  backend: KernelBackendLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  rows: [number, number],
  columns: [number, number],
): tf.TensorInfo {
  return callKernel(backendName, 'Conv2D', backend, { x, filter }, {
    ...CONV_ATTRS,
    pad: [[0, 0], rows, columns, [0, 0]],
  } as unknown as tf.NamedAttrMap);
}

/**
 * `Conv2DBackpropInput` as one forward convolution at stride 1 (the wasm backend's own kernel is a
 * plain loop, not XNNPACK). With `dy` [N, Ho, Wo, Co], filter `W` [kh, kw, C, Co], padding (pt, pl):
 * - stride 1: dx[n, h, w, c] = sum_{i, j, o} dyPad[n, h + i, w + j, o] * Wflip[i, j, o, c], with
 *   `Wflip` the filter flipped in space and with in/out channels swapped, `dyPad` padded by
 *   kh - 1 - pt on top and H + pt - Ho at the bottom (negative: cropped); 3x3 filters on wasm go
 *   to the Winograd kernel (flip and swap folded into its filter transform) where it is faster;
 * - stride s > 1, when H and W are multiples of s (every strided layer of the ResNets):
 *   `phaseInputGradient`, one convolution with no multiplications by zero;
 * - 1x1 at stride s > 1 without padding (the ResNets' shortcuts): `pointwiseInputGradient`;
 * - otherwise: the stride-1 form on `dy` with s - 1 zeros inserted between its rows and columns
 *   (s^2 times the work of the forward pass).
 */
export function conv2dBackpropInputViaConv(backendName: string) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo => {
    const backend = args.backend as KernelBackendLike;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropInputAttrs;
    const dataFormat = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (dataFormat !== 'channelsLast') {
      throw new Error(`@hvcm/backbones: Conv2DBackpropInput on ${backendName} supports NHWC only, got ${attrs.dataFormat}`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      dataFormat,
    );
    const { batchSize: n, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { outHeight: ho, outWidth: wo, outChannels: co, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;

    if (backendName === 'wasm' && sh === 1 && sw === 1) {
      const plan = winogradInputGradientPlan(dy, filter, info);
      if (plan !== undefined) return winogradConv3x3(backend, dy, filter, plan.pads, 'flipped', plan.tile);
    }

    if (sh > 1 || sw > 1) {
      const phased = phaseInputGradient(backendName, backend as WasmBackendLike, dy, filter, info);
      if (phased !== undefined) return phased;
      if (kh === 1 && kw === 1 && top === 0 && left === 0) return pointwiseInputGradient(backendName, backend, dy, filter, info);
    }

    // Zero insertion (strides > 1) through a 6-D pad: [N, Ho, 1, Wo, 1, Co] -> [N, Ho, sh, Wo, sw, Co];
    // the trailing zeros act as bottom/right padding.
    let d = dy;
    let owned = false;
    if (sh > 1 || sw > 1) {
      const six = callKernel(backendName, 'Reshape', backend, { x: dy }, { shape: [n, ho, 1, wo, 1, co] });
      const padded = callKernel(
        backendName,
        'PadV2',
        backend,
        { x: six },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        } as unknown as tf.NamedAttrMap,
      );
      free(backend, six);
      d = callKernel(backendName, 'Reshape', backend, { x: padded }, { shape: [n, ho * sh, wo * sw, co] });
      free(backend, padded);
      owned = true;
    }
    let padTop = kh - 1 - top;
    let padLeft = kw - 1 - left;
    // The padded `d` must have h + kh - 1 rows; `d` has ho * sh (zero-inserted rows plus sh - 1
    // trailing zeros, or ho when sh = 1).
    let padBottom = h + top - (d.shape[1] as number);
    let padRight = w + left - (d.shape[2] as number);
    // Negative padding (explicit pads larger than the kernel) means cropping `d` first.
    if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
      const cropTop = Math.max(0, -padTop);
      const cropLeft = Math.max(0, -padLeft);
      const begin = [0, cropTop, cropLeft, 0];
      const size = [
        -1,
        (d.shape[1] as number) - cropTop - Math.max(0, -padBottom),
        (d.shape[2] as number) - cropLeft - Math.max(0, -padRight),
        -1,
      ];
      const cropped = callKernel(backendName, 'Slice', backend, { x: d }, { begin, size });
      if (owned) free(backend, d);
      d = cropped;
      owned = true;
      padTop = Math.max(0, padTop);
      padLeft = Math.max(0, padLeft);
      padBottom = Math.max(0, padBottom);
      padRight = Math.max(0, padRight);
    }

    const flipped = callKernel(backendName, 'Reverse', backend, { x: filter }, { dims: [0, 1] });
    const wFlip = callKernel(backendName, 'Transpose', backend, { x: flipped }, { perm: [0, 1, 3, 2] }); // [kh, kw, Co, C]
    free(backend, flipped);
    const dx = conv(backendName, backend, d, wFlip, [padTop, padBottom], [padLeft, padRight]);
    free(backend, wFlip);
    if (owned) free(backend, d);
    return dx;
  };
}

/**
 * The Winograd plan for the phase convolution of `phaseInputGradient` (dy [n, ., ., co] by the
 * combined [K, K', co, cOut] filter, K, K' <= 3, extended to 3x3 with zero taps at the end: e.g.
 * 3x3 stride 2 gives K = 2, and F(4x4, 3x3) on the zero-extended kernel still needs 2.25
 * multiplications per output against the 2x2 direct convolution's 4), or undefined.
 */
function phaseWinogradPlan(
  backendName: string,
  dy: tf.TensorInfo,
  rows: { padTop: number; padBottom: number; kernel: number; rows: number },
  cols: { padTop: number; padBottom: number; kernel: number; rows: number },
  n: number,
  co: number,
  cOut: number,
): { pads: Pads; tile: WinogradTile } | undefined {
  if (backendName !== 'wasm' || dy.dtype !== 'float32' || rows.kernel > 3 || cols.kernel > 3) return undefined;
  const pads = {
    top: rows.padTop,
    bottom: rows.padBottom + 3 - rows.kernel,
    left: cols.padTop,
    right: cols.padBottom + 3 - cols.kernel,
  };
  if (!Object.values(pads).every((p) => p >= 0 && p <= 2)) return undefined;
  const tile = winogradChoice(n, rows.rows, cols.rows, co, cOut);
  return tile !== 0 && kernelModuleAvailable() ? { pads, tile } : undefined;
}

/**
 * Padding of `dy` (top 2 - pt, bottom H + pt - Ho, likewise for columns) and Winograd variant for
 * the stride-1 input gradient of a 3x3 convolution as a Winograd convolution, or undefined when it
 * does not apply (not 3x3 float32, padding outside 0..2, kernel module not built) or is not faster.
 */
function winogradInputGradientPlan(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): { pads: Pads; tile: WinogradTile } | undefined {
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, outHeight: ho, outWidth: wo } = info;
  if (kh !== 3 || kw !== 3 || dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  const { top, left } = info.padInfo;
  const pads = { top: 2 - top, bottom: h + top - ho, left: 2 - left, right: w + left - wo };
  if (!Object.values(pads).every((p) => p >= 0 && p <= 2)) return undefined;
  const tile = winogradChoice(info.batchSize, h, w, info.outChannels, info.inChannels);
  return tile !== 0 && kernelModuleAvailable() ? { pads, tile } : undefined;
}

/**
 * Input gradient of an unpadded 1x1 convolution at stride (sh, sw): dx[n, sh a, sw b, c] =
 * sum_o dy[n, a, b, o] W[0, 0, c, o] and zeros elsewhere. One 1x1 convolution of `dy` by W with
 * in/out channels swapped, then zeros inserted into its (C-channel) result: s^2 x less convolution
 * work than zero-inserting `dy` first, and the zero insertion moves C channels instead of Co.
 */
function pointwiseInputGradient(
  backendName: string,
  backend: KernelBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inChannels: c } = info;
  const { inHeight: h, inWidth: w } = info;
  const swapped = callKernel(backendName, 'Transpose', backend, { x: filter }, { perm: [0, 1, 3, 2] }); // [1, 1, Co, C]
  const y = conv(backendName, backend, dy, swapped, [0, 0], [0, 0]); // [n, ho, wo, c]
  free(backend, swapped);
  const six = callKernel(backendName, 'Reshape', backend, { x: y }, { shape: [n, ho, 1, wo, 1, c] });
  free(backend, y);
  const paddings = [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ];
  const padded = callKernel(backendName, 'PadV2', backend, { x: six }, { paddings, constantValue: 0 } as unknown as tf.NamedAttrMap);
  free(backend, six);
  const grid = callKernel(backendName, 'Reshape', backend, { x: padded }, { shape: [n, ho * sh, wo * sw, c] });
  free(backend, padded);
  if (ho * sh === h && wo * sw === w) return grid;
  // Trailing rows/columns of the grid beyond the input (ho = ceil(h / s) when unpadded) are zeros.
  const dx = callKernel(backendName, 'Slice', backend, { x: grid }, { begin: [0, 0, 0, 0], size: [n, h, w, c] });
  free(backend, grid);
  return dx;
}

/** Taps of one output phase along one axis: dx index h = s*a + r meets filter taps i = rr + s*t with dy index a + base - t. */
interface Phase {
  base: number;
  rr: number;
  taps: number;
}

/**
 * Per axis: the phases r = 0..s-1 (q = r + pad = s*base + rr), the top padding of `dy` and the
 * number of taps of the common kernel, or undefined when the layout does not fit (then the caller
 * falls back to zero insertion).
 */
function phaseLayout(k: number, s: number, pad: number, size: number, outSize: number) {
  if (size % s !== 0) return undefined;
  const phases: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const q = r + pad;
    const rr = q % s;
    phases.push({ base: Math.floor(q / s), rr, taps: Math.max(0, Math.ceil((k - rr) / s)) });
  }
  // In the correlation over dy padded by P on top, tap t of phase p sits at tau = P + base - t.
  // A phase without taps (kernel smaller than the stride, e.g. 1x1 at stride 2) would leave output
  // channels of zeros; zero insertion does the same work without the interleaving transpose.
  if (phases.some((p) => p.taps === 0)) return undefined;
  const lo = Math.min(...phases.map((p) => p.base - p.taps + 1));
  const hi = Math.max(...phases.map((p) => p.base));
  const padTop = -lo;
  const kernel = hi - lo + 1;
  const rows = size / s; // output rows a of every phase
  const padBottom = rows + kernel - 1 - padTop - outSize;
  if (padTop < 0 || padBottom < 0) return undefined;
  return { phases, padTop, padBottom, kernel, rows };
}

/**
 * Input gradient at stride s > 1 as one stride-1 convolution over all s_h * s_w output phases.
 * Row h = s*a + r of `dx` (phase r; q = r + pt = s*base + rr) only meets filter rows i = rr + s*t,
 * with `dy` row a + base - t:
 *   dx[n, s a + r, s b + r', c] = sum_{t, t', o} dy[n, a + base - t, b + base' - t', o] W[rr + s t, rr' + s t', c, o].
 * Stacking the phases (r, r', c) as output channels makes this one convolution of `dy` (padded by
 * P on top) with a small [K, K', Co, s s' C] filter that holds each phase's taps at tau = P + base - t
 * (zeros elsewhere); its output [N, H/s, W/s, s s' C] is interleaved to [N, H, W, C] by one transpose.
 * No multiplications by inserted zeros, no crop. Undefined when H or W is not a multiple of s.
 */
function phaseInputGradient(
  backendName: string,
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo | undefined {
  const { batchSize: n, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight: ho, outWidth: wo, outChannels: co, inChannels: c, inHeight: h, inWidth: w } = info;
  const rowsLayout = phaseLayout(kh, sh, info.padInfo.top, h, ho);
  const colsLayout = phaseLayout(kw, sw, info.padInfo.left, w, wo);
  if (rowsLayout === undefined || colsLayout === undefined) return undefined;
  const phases = sh * sw;
  const winograd = phaseWinogradPlan(backendName, dy, rowsLayout, colsLayout, n, co, phases * c);
  // The Winograd kernel is 3x3: a smaller combined kernel gets zero taps at its bottom/right end.
  const kr = winograd === undefined ? rowsLayout.kernel : 3;
  const kc = winograd === undefined ? colsLayout.kernel : 3;

  // The combined filter [kr, kc, co, phases * c], built in JavaScript (it is small).
  const source = backend.readSync(filter.dataId); // [kh, kw, c, co]
  const combined = new Float32Array(kr * kc * co * phases * c);
  rowsLayout.phases.forEach((pr, r) => {
    colsLayout.phases.forEach((pc, r2) => {
      const phase = r * sw + r2;
      for (let t = 0; t < pr.taps; t++) {
        const i = pr.rr + sh * t;
        const tau = rowsLayout.padTop + pr.base - t;
        for (let t2 = 0; t2 < pc.taps; t2++) {
          const j = pc.rr + sw * t2;
          const tau2 = colsLayout.padTop + pc.base - t2;
          for (let ci = 0; ci < c; ci++) {
            const from = ((i * kw + j) * c + ci) * co;
            const to = (tau * kc + tau2) * co * phases * c + phase * c + ci;
            for (let o = 0; o < co; o++) combined[to + o * phases * c] = source[from + o] as number;
          }
        }
      }
    });
  });
  const wc = backend.makeOutput([kr, kc, co, phases * c], 'float32');
  backend.typedArrayFromHeap(wc).set(combined);

  const grid =
    winograd === undefined
      ? conv(backendName, backend, dy, wc, [rowsLayout.padTop, rowsLayout.padBottom], [colsLayout.padTop, colsLayout.padBottom])
      : winogradConv3x3(backend, dy, wc, winograd.pads, 'forward', winograd.tile); // [n, h / sh, w / sw, phases * c]
  free(backend, wc);
  const six = callKernel(backendName, 'Reshape', backend, { x: grid }, { shape: [n, rowsLayout.rows, colsLayout.rows, sh, sw, c] });
  free(backend, grid);
  const interleaved = callKernel(backendName, 'Transpose', backend, { x: six }, { perm: [0, 1, 3, 2, 4, 5] });
  free(backend, six);
  const dx = callKernel(backendName, 'Reshape', backend, { x: interleaved }, { shape: [n, h, w, c] });
  free(backend, interleaved);
  return dx;
}
