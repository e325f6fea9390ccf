import * as tf from '@tensorflow/tfjs-core';
import { callKernel, free, type KernelBackendLike } from './wasm-kernel-calls';

/** What the strided path needs beyond `KernelBackendLike`: building a small tensor from JavaScript. */
interface WasmBackendLike extends KernelBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * `Conv2DBackpropInput` as one forward convolution at stride 1 (the wasm backend's own kernel is a
 * plain loop, not XNNPACK). With `dy` [N, Ho, Wo, Co], filter `W` [kh, kw, C, Co], padding (pt, pl):
 * - stride 1: dx[n, h, w, c] = sum_{i, j, o} dyPad[n, h + i, w + j, o] * Wflip[i, j, o, c], with
 *   `Wflip` the filter flipped in space and with in/out channels swapped, `dyPad` padded by
 *   kh - 1 - pt on top and H + pt - Ho at the bottom (negative: cropped);
 * - stride s > 1: by output phase (`stridedInputGradient`): no zeros inserted into `dy`, so no
 *   multiplications by zero (the zero-insertion form did s^2 times the work of the forward pass).
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
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;

    if (sh > 1 || sw > 1) {
      return stridedInputGradient(backendName, backend as WasmBackendLike, dy, filter, info);
    }
    let d = dy;
    let owned = false;
    let padTop = kh - 1 - top;
    let padLeft = kw - 1 - left;
    // The padded `d` must have h + kh - 1 rows.
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
    const dx = callKernel(
      backendName,
      'Conv2D',
      backend,
      { x: d, filter: wFlip },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dilations: [1, 1],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined as unknown as string,
      } as unknown as tf.NamedAttrMap,
    );
    free(backend, wFlip);
    if (owned) free(backend, d);
    return dx;
  };
}

/**
 * Input gradient at stride s > 1, one convolution for all s_h * s_w output phases. Row h of `dx` with
 * h + pt = s*a + r (phase r) only meets filter rows i = r + s*t, with `dy` row a - t:
 *   dx[n, s*a + r - pt, s*b + r' - pl, c] = sum_{t, t', o} dy[n, a - t, b - t', o] W[r + s t, r' + s t', c, o].
 * Stacking the phases (r, r', c) as output channels gives a stride-1 convolution of `dy` (padded by
 * KT - 1 on top, KT = ceil(kh / s)) with a [KT, KT', Co, s s' C] filter (flipped taps, zeros where
 * r + s t >= kh); the result [N, A, B, s, s', C] is interleaved to [N, A s, B s', C] (one transpose)
 * and cropped to rows [pt, pt + H), columns [pl, pl + W).
 */
function stridedInputGradient(
  backendName: string,
  backend: WasmBackendLike,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize: n, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight: ho, outWidth: wo, outChannels: co, inChannels: c, inHeight: h, inWidth: w } = info;
  const { top, left } = info.padInfo;
  const kth = Math.ceil(kh / sh);
  const ktw = Math.ceil(kw / sw);
  const phases = sh * sw;

  // The combined filter [kth, ktw, co, phases * c], built in JavaScript (it is small).
  const source = backend.readSync(filter.dataId); // [kh, kw, c, co]
  const combined = new Float32Array(kth * ktw * co * phases * c);
  for (let tau = 0; tau < kth; tau++) {
    for (let tau2 = 0; tau2 < ktw; tau2++) {
      for (let r = 0; r < sh; r++) {
        const i = r + sh * (kth - 1 - tau);
        if (i >= kh) continue;
        for (let r2 = 0; r2 < sw; r2++) {
          const j = r2 + sw * (ktw - 1 - tau2);
          if (j >= kw) continue;
          const phase = r * sw + r2;
          for (let ci = 0; ci < c; ci++) {
            const from = ((i * kw + j) * c + ci) * co;
            for (let o = 0; o < co; o++) {
              combined[((tau * ktw + tau2) * co + o) * phases * c + phase * c + ci] = source[from + o] as number;
            }
          }
        }
      }
    }
  }
  const wc = backend.makeOutput([kth, ktw, co, phases * c], 'float32');
  backend.typedArrayFromHeap(wc).set(combined);

  // Phase rows a in [0, A): enough to cover h + pt < s A, and at least every row of dy.
  const a = Math.max(Math.ceil((h + top) / sh), ho);
  const b = Math.max(Math.ceil((w + left) / sw), wo);
  const grid = callKernel(
    backendName,
    'Conv2D',
    backend,
    { x: dy, filter: wc },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [kth - 1, a - ho],
        [ktw - 1, b - wo],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined as unknown as string,
    } as unknown as tf.NamedAttrMap,
  ); // [n, a, b, phases * c]
  free(backend, wc);
  const six = callKernel(backendName, 'Reshape', backend, { x: grid }, { shape: [n, a, b, sh, sw, c] });
  free(backend, grid);
  const interleaved = callKernel(backendName, 'Transpose', backend, { x: six }, { perm: [0, 1, 3, 2, 4, 5] });
  free(backend, six);
  const full = callKernel(backendName, 'Reshape', backend, { x: interleaved }, { shape: [n, a * sh, b * sw, c] });
  free(backend, interleaved);
  if (top === 0 && left === 0 && a * sh === h && b * sw === w) return full;
  const dx = callKernel(backendName, 'Slice', backend, { x: full }, { begin: [0, top, left, 0], size: [n, h, w, c] });
  free(backend, full);
  return dx;
}
