import * as tf from '@tensorflow/tfjs-core';

/**
 * ITU-R 601-2 luma weights (PIL `convert('L')`, which DINO's PIL pipeline uses):
 * `L = 0.299 R + 0.587 G + 0.114 B`. (torchvision's tensor path uses 0.2989 for R.)
 */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** Luma of RGB images: `[n, h, w, 3]` -> `[n, h, w, 1]`. One-channel input is returned as a copy. */
export function rgbToGrayscale(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    if (images.shape[3] === 1) return tf.clone(images);
    return tf.sum(tf.mul(images, tf.tensor1d([...LUMA_WEIGHTS])), 3, true) as tf.Tensor4D;
  });
}

/**
 * Converts RGB `[n, h, w, 3]` in [0, 1] to hue, saturation, value, each `[n, h, w, 1]`, hue in
 * [0, 1) (torchvision `_rgb2hsv`: gray pixels get hue 0 and saturation 0).
 */
export function rgbToHsv(images: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const [r, g, b] = tf.split(images, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
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
    const hue = tf.mod(tf.add(tf.div(h, 6), 1), 1);
    return [hue as tf.Tensor4D, saturation as tf.Tensor4D, maxc as tf.Tensor4D];
  });
}

/**
 * Converts hue (in turns, any real: taken modulo 1), saturation and value `[n, h, w, 1]` back to
 * RGB `[n, h, w, 3]`. Closed form `C_k = v - v s clamp(min(t, 4 - t), 0, 1)` with
 * `t = (k + 6 h) mod 6`, k = 5, 3, 1 for R, G, B: the same values as torchvision's sector table.
 */
export function hsvToRgb(hue: tf.Tensor4D, saturation: tf.Tensor4D, value: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const h6 = tf.mul(tf.mod(hue, 1), 6);
    const vs = tf.mul(value, saturation);
    const channel = (k: number): tf.Tensor => {
      const t = tf.mod(tf.add(h6, k), 6);
      const ramp = tf.clipByValue(tf.minimum(t, tf.sub(4, t)), 0, 1);
      return tf.sub(value, tf.mul(vs, ramp));
    };
    return tf.concat([channel(5), channel(3), channel(1)], 3) as tf.Tensor4D;
  });
}
