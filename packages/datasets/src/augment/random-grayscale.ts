import * as tf from '@tensorflow/tfjs-core';
import { checkImages, checkProbability } from './check-images';
import { drawMask, selectSamples } from './apply-by-group';
import { grayscaleRgb } from './color-space';
import type { ImageTransform } from './transform';

/**
 * torchvision `RandomGrayscale(p)` (default 0.1): with probability `p` per sample, replaces each RGB
 * channel by the ITU-R 601-2 luma `0.299 R + 0.587 G + 0.114 B` (output keeps 3 channels).
 * One-channel images are already gray: returned unchanged (the draws still happen, so the stream of
 * random numbers does not depend on the channel count).
 */
export function randomGrayscale(p = 0.1): ImageTransform {
  checkProbability('randomGrayscale', p);
  return (images, rng) => {
    checkImages('randomGrayscale', images, [1, 3]);
    const flags = drawMask(rng, images.shape[0], p);
    if (images.shape[3] === 1 || !flags.includes(1)) return tf.clone(images);
    return tf.tidy(() => selectSamples(flags, grayscaleRgb(images), images));
  };
}
