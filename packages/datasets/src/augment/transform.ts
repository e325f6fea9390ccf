import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/index';

/**
 * A batched, seeded image transform. `images` `[n, h, w, c]` float32, values in [0, 1] (c = 3 RGB
 * or c = 1 gray). Every random choice is drawn from `rng`, sample by sample in batch order, so a seed
 * reproduces the output on every backend. Contract: the input is NOT disposed; the result is always a
 * NEW tensor that the caller owns and must dispose (even when nothing changed); no other tensor is
 * left behind.
 */
export type ImageTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D;

/** Like `ImageTransform` but returns several views of each batch (multi-crop); the caller disposes each. */
export type MultiViewTransform = (images: tf.Tensor4D, rng: Rng) => tf.Tensor4D[];

/**
 * Chains transforms left to right (torchvision `Compose`). Intermediate results are disposed as
 * soon as the next transform has run; the input is left to the caller.
 */
export function compose(transforms: readonly ImageTransform[]): ImageTransform {
  const steps = [...transforms];
  return (images, rng) => {
    let current = images;
    for (const step of steps) {
      const next = step(current, rng);
      if (current !== images && next !== current) current.dispose();
      current = next;
    }
    return current === images ? tf.clone(images) : current;
  };
}

/** The identity as an `ImageTransform` (returns a copy, per the contract). */
export const identityTransform: ImageTransform = (images) => tf.clone(images);
