import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { checkImages } from './check-images';
import type { ImageTransform } from './transform';

/** Options of `randomCropWithPadding`. */
export interface RandomCropWithPaddingOptions {
  /** Output size (square side or [height, width]). Default: the input's size. */
  readonly size?: number | readonly [number, number];
  /** Pixels of constant padding on every side. Default 4 (the CIFAR recipe). */
  readonly padding?: number;
  /** Padding value. Default 0. */
  readonly fill?: number;
}

/**
 * Crops each sample at integer offsets `[top, left]` of the padded batch (`[n, 2]` row-major):
 * exact copies, one `gather` of precomputed pixel indices for the whole batch.
 */
export function cropAtOffsets(
  padded: tf.Tensor4D,
  offsets: Int32Array,
  outH: number,
  outW: number,
): tf.Tensor4D {
  const [n, hp, wp, c] = padded.shape;
  const index = new Int32Array(n * outH * outW);
  let k = 0;
  for (let s = 0; s < n; s += 1) {
    const top = offsets[2 * s] as number;
    const left = offsets[2 * s + 1] as number;
    for (let y = 0; y < outH; y += 1) {
      const row = (s * hp + top + y) * wp + left;
      for (let x = 0; x < outW; x += 1) index[k++] = row + x;
    }
  }
  return tf.tidy(() => {
    const pixels = tf.reshape(padded, [n * hp * wp, c]);
    return tf.reshape(tf.gather(pixels, tf.tensor1d(index, 'int32')), [n, outH, outW, c]) as tf.Tensor4D;
  });
}

/**
 * torchvision `RandomCrop(size, padding, fill)` with constant padding (the CIFAR recipe
 * `RandomCrop(32, padding=4)`): pads every sample by `padding` pixels of `fill`, then crops `size`
 * at offsets drawn uniformly per sample (top, then left; both in [0, padded - size]). The content
 * is an exact shifted copy of the input.
 */
export function randomCropWithPadding(options: RandomCropWithPaddingOptions = {}): ImageTransform {
  const padding = options.padding ?? 4;
  const fill = options.fill ?? 0;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new InvalidArgumentError(`randomCropWithPadding: padding must be an integer >= 0; got ${padding}.`);
  }
  return (images, rng) => {
    checkImages('randomCropWithPadding', images);
    const [n, h, w] = images.shape;
    const size = options.size ?? [h, w];
    const [outH, outW] = typeof size === 'number' ? [size, size] : size;
    const hp = h + 2 * padding;
    const wp = w + 2 * padding;
    if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1 || outH > hp || outW > wp) {
      throw new InvalidArgumentError(
        `randomCropWithPadding: crop ${outH}x${outW} must fit in the padded ${hp}x${wp} image.`,
      );
    }
    const offsets = new Int32Array(2 * n);
    for (let s = 0; s < n; s += 1) {
      offsets[2 * s] = rng.nextInt(hp - outH + 1);
      offsets[2 * s + 1] = rng.nextInt(wp - outW + 1);
    }
    return tf.tidy(() => {
      const padded =
        padding === 0
          ? images
          : (tf.pad(images, [[0, 0], [padding, padding], [padding, padding], [0, 0]], fill) as tf.Tensor4D);
      return cropAtOffsets(padded, offsets, outH, outW);
    });
  };
}
