import * as tf from '@tensorflow/tfjs-core';
import { checkImages, checkProbability } from './check-images';
import { drawMask, selectSamples } from './apply-by-group';
import type { ImageTransform } from './transform';

/** Mirrors the samples whose flag is 1 left-right (along the width axis). `flags` `[n]` of 0/1. */
export function flipSamples(images: tf.Tensor4D, flags: Uint8Array): tf.Tensor4D {
  if (!flags.includes(1)) return tf.clone(images);
  return tf.tidy(() => selectSamples(flags, tf.image.flipLeftRight(images), images));
}

/**
 * torchvision `RandomHorizontalFlip(p)`: each sample is mirrored left-right with probability `p`
 * (default 0.5), one Bernoulli draw per sample in batch order. Any channel count.
 */
export function randomHorizontalFlip(p = 0.5): ImageTransform {
  checkProbability('randomHorizontalFlip', p);
  return (images, rng) => {
    checkImages('randomHorizontalFlip', images);
    return flipSamples(images, drawMask(rng, images.shape[0], p));
  };
}
