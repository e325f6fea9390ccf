import * as tf from '@tensorflow/tfjs-core';
import { callKernel, free, type KernelBackendLike } from './wasm-kernel-calls';

/**
 * `Conv2DBackpropFilter` (which the wasm backend lacks) as one forward convolution, so it runs on
 * XNNPACK. With `x` [N, H, W, C], `dy` [N, Ho, Wo, Co], stride s and padding (pt, pl):
 *   dW[i, j, c, o] = sum_{n, p, q} xpad[n, p*s + i, q*s + j, c] * dy[n, p, q, o].
 * That is a convolution of `x` with batch and channel swapped (`[C, H, W, N]`) by `dy` as the filter
 * (`[Ho, Wo, N, Co]`) at stride 1 and dilation s; the padding is handed to the convolution (free in
 * XNNPACK's indirection buffer), the result `[C, kh', kw', Co]` is cropped to `[kh, kw]` and
 * transposed back to `[kh, kw, C, Co]`.
 */
export function conv2dBackpropFilterViaConv(backendName: string) {
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
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;
    // Rows the correlation reads: up to (kh - 1) + (ho - 1) * sh in padded coordinates. Pad the
    // bottom/right just enough (never negative); any surplus output row or column is cropped.
    const bottom = Math.max(0, kh + (ho - 1) * sh - info.inHeight - top);
    const right = Math.max(0, kw + (wo - 1) * sw - info.inWidth - left);

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
  };
}
