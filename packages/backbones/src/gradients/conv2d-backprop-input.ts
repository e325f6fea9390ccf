import * as tf from '@tensorflow/tfjs-core';
import { callKernel, free, type KernelBackendLike } from './wasm-kernel-calls';

/**
 * `Conv2DBackpropInput` as one forward convolution at stride 1 (the wasm backend's own kernel is a
 * plain loop, not XNNPACK). With `dy` [N, Ho, Wo, Co], filter `W` [kh, kw, C, Co], stride s, padding
 * (pt, pl): insert s - 1 zeros between the rows and columns of `dy` (`D`, [N, Ho*s, Wo*s, Co]; the
 * trailing zeros act as bottom/right padding), then
 *   dx[n, h, w, c] = sum_{i, j, o} Dpad[n, h + i, w + j, o] * Wflip[i, j, o, c]
 * with `Wflip` the filter flipped in space and with in/out channels swapped, `Dpad` padded by
 * kh - 1 - pt on top and H + pt - Ho*s at the bottom (negative: cropped). Stride-1 convolutions
 * skip the zero insertion.
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

    // Zero insertion through a 6-D pad: [N, Ho, 1, Wo, 1, Co] -> [N, Ho, sh, Wo, sw, Co].
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
    // The padded `d` must have h + kh - 1 rows; `d` has ho * sh (the zero-inserted rows plus sh - 1
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
