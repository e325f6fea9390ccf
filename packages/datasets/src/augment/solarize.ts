import * as tf from '@tensorflow/tfjs-core';
import { checkImages, checkProbability } from './check-images';
import { drawMask, selectSamples } from './apply-by-group';
import type { ImageTransform } from './transform';

/** DINO's threshold (PIL `ImageOps.solarize` default 128 of 255) on the [0, 1] scale. */
export const DINO_SOLARIZE_THRESHOLD = 128 / 255;

/** Inverts every value `>= threshold` (`x -> 1 - x`), keeps the others (PIL / torchvision `solarize`). */
export function solarize(images: tf.Tensor4D, threshold: number): tf.Tensor4D {
  return tf.tidy(() => tf.where(tf.greaterEqual(images, threshold), tf.sub(1, images), images) as tf.Tensor4D);
}

/**
 * torchvision `RandomSolarize(threshold, p)` (DINO `Solarization(p)` with threshold 128/255): with
 * probability `p` per sample, values `>= threshold` become `1 - value`. Any channel count.
 */
export function randomSolarize(threshold: number = DINO_SOLARIZE_THRESHOLD, p = 0.5): ImageTransform {
  checkProbability('randomSolarize', p);
  return (images, rng) => {
    checkImages('randomSolarize', images);
    const flags = drawMask(rng, images.shape[0], p);
    if (!flags.includes(1)) return tf.clone(images);
    return tf.tidy(() => selectSamples(flags, solarize(images, threshold), images));
  };
}
