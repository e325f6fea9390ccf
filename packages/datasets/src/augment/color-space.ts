import * as tf from '@tensorflow/tfjs-core';

// Layout note: on wasm, elementwise ops between tensors of the same shape are fast but broadcasts
// against a per-channel `[3]` and splits/concats along the channel axis are slow (generic index
// loops, ~10x). So channel mixing goes through matMul on `[pixels, 3]`, and per-channel math
// (HSV) runs on channel planes obtained by one 2-D transpose to `[3, pixels]`.

/**
 * ITU-R 601-2 luma weights (PIL `convert('L')`, which DINO's PIL pipeline uses):
 * `L = 0.299 R + 0.587 G + 0.114 B`. (torchvision's tensor path uses 0.2989 for R.)
 */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** Luma of RGB images: `[n, h, w, 3]` -> `[n, h, w, 1]`. One-channel input is returned as a copy. */
export function rgbToGrayscale(images: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  return tf.tidy(() => {
    if (c === 1) return tf.clone(images);
    const luma = tf.matMul(tf.reshape(images, [n * h * w, 3]), tf.tensor2d([...LUMA_WEIGHTS], [3, 1]));
    return tf.reshape(luma, [n, h, w, 1]) as tf.Tensor4D;
  });
}

/** Luma repeated on the 3 channels: `[n, h, w, 3]` -> `[n, h, w, 3]` (one matMul). */
export function grayscaleRgb(images: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = images.shape;
  return tf.tidy(() => {
    const [r, g, b] = LUMA_WEIGHTS;
    const weights = tf.tensor2d([r, r, r, g, g, g, b, b, b], [3, 3]);
    return tf.reshape(tf.matMul(tf.reshape(images, [n * h * w, 3]), weights), [n, h, w, 3]) as tf.Tensor4D;
  });
}

/** RGB `[n, h, w, 3]` -> three planes `[n, h w]` (R, G, B). */
export function toChannelPlanes(images: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const [n, h, w] = images.shape;
  return tf.tidy(() => {
    const planes = tf.transpose(tf.reshape(images, [n * h * w, 3]));
    const plane = (k: number) => tf.reshape(tf.slice(planes, [k, 0], [1, -1]), [n, h * w]) as tf.Tensor2D;
    return [plane(0), plane(1), plane(2)];
  });
}

/** Three planes `[n, h w]` -> RGB `[n, h, w, 3]` (inverse of `toChannelPlanes`). */
export function fromChannelPlanes(planes: readonly tf.Tensor[], h: number, w: number): tf.Tensor4D {
  return tf.tidy(() => {
    const n = (planes[0] as tf.Tensor).shape[0] as number;
    const stacked = tf.concat(planes.map((p) => tf.reshape(p, [1, n * h * w])), 0);
    return tf.reshape(tf.transpose(stacked), [n, h, w, 3]) as tf.Tensor4D;
  });
}

/** torchvision `_rgb2hsv` on planes `[n, p]`: hue in [0, 1), saturation, value (gray pixels: hue 0, saturation 0). */
export function planesToHsv(r: tf.Tensor, g: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const maxc = tf.maximum(tf.maximum(r, g), b);
    const minc = tf.minimum(tf.minimum(r, g), b);
    const chroma = tf.sub(maxc, minc);
    const isGray = tf.equal(maxc, minc);
    const one = tf.onesLike(maxc);
    // Where max == min the hue is undefined: divide by 1 instead of 0 and let the masks give 0.
    const saturation = tf.div(chroma, tf.where(isGray, one, maxc));
    const divisor = tf.where(isGray, one, chroma);
    const rc = tf.div(tf.sub(maxc, r), divisor);
    const gc = tf.div(tf.sub(maxc, g), divisor);
    const bc = tf.div(tf.sub(maxc, b), divisor);
    const zero = tf.zerosLike(maxc);
    const maxIsR = tf.equal(maxc, r);
    const maxIsG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(maxIsR));
    const maxIsB = tf.logicalAnd(tf.logicalNot(tf.equal(maxc, g)), tf.logicalNot(maxIsR));
    const h = tf.addN([
      tf.where(maxIsR, tf.sub(bc, gc), zero),
      tf.where(maxIsG, tf.add(tf.sub(rc, bc), 2), zero),
      tf.where(maxIsB, tf.add(tf.sub(gc, rc), 4), zero),
    ]);
    return [tf.mod(tf.add(tf.div(h, 6), 1), 1), saturation, maxc];
  });
}

/**
 * HSV planes back to RGB planes. Closed form `C_k = v - v s clamp(min(t, 4 - t), 0, 1)` with
 * `t = (k + 6 h) mod 6`, k = 5, 3, 1 for R, G, B: the same values as torchvision's sector table.
 * Hue in turns, any real (taken modulo 1).
 */
export function hsvToPlanes(hue: tf.Tensor, saturation: tf.Tensor, value: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const h6 = tf.mul(tf.mod(hue, 1), 6);
    const vs = tf.mul(value, saturation);
    const channel = (k: number): tf.Tensor => {
      const t = tf.mod(tf.add(h6, k), 6);
      const ramp = tf.clipByValue(tf.minimum(t, tf.sub(4, t)), 0, 1);
      return tf.sub(value, tf.mul(vs, ramp));
    };
    return [channel(5), channel(3), channel(1)];
  });
}

/**
 * Converts RGB `[n, h, w, 3]` in [0, 1] to hue, saturation, value, each `[n, h, w, 1]`, hue in
 * [0, 1) (torchvision `_rgb2hsv`).
 */
export function rgbToHsv(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [n, h, w] = images.shape;
  return tf.tidy(() => {
    const [r, g, b] = toChannelPlanes(images);
    const hsv = planesToHsv(r, g, b);
    return hsv.map((t) => tf.reshape(t, [n, h, w, 1])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  });
}

/** Hue (turns, any real), saturation, value `[n, h, w, 1]` back to RGB `[n, h, w, 3]`. */
export function hsvToRgb(hue: tf.Tensor4D, saturation: tf.Tensor4D, value: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w] = hue.shape;
  return tf.tidy(() => {
    const flat = (t: tf.Tensor) => tf.reshape(t, [n, h * w]);
    return fromChannelPlanes(hsvToPlanes(flat(hue), flat(saturation), flat(value)), h, w);
  });
}
