import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { checkImages } from './check-images';
import type { ImageTransform } from './transform';

/** ImageNet channel means (RGB), as in torchvision and DINO. */
export const IMAGENET_MEAN: readonly number[] = Object.freeze([0.485, 0.456, 0.406]);
/** ImageNet channel standard deviations (RGB). */
export const IMAGENET_STD: readonly number[] = Object.freeze([0.229, 0.224, 0.225]);
/** CIFAR-10 training-set channel means (RGB). */
export const CIFAR10_MEAN: readonly number[] = Object.freeze([0.4914, 0.4822, 0.4465]);
/** CIFAR-10 training-set channel standard deviations (RGB, per-pixel, not the often-copied 0.2023 ones). */
export const CIFAR10_STD: readonly number[] = Object.freeze([0.247, 0.2435, 0.2616]);
/** MNIST training-set mean and standard deviation (one channel). */
export const MNIST_MEAN: readonly number[] = Object.freeze([0.1307]);
export const MNIST_STD: readonly number[] = Object.freeze([0.3081]);

/**
 * torchvision `Normalize(mean, std)`: `(x - mean[c]) / std[c]` per channel (computed as
 * `x / std[c] - mean[c] / std[c]`, equal up to float rounding, ~1e-7 relative). `mean` and `std` hold
 * one value per channel, or one value for all (then exact). Deterministic (draws nothing). The
 * output is no longer in [0, 1]: put it last.
 */
export function normalize(mean: readonly number[], std: readonly number[]): ImageTransform {
  if (mean.length === 0 || mean.length !== std.length) {
    throw new InvalidArgumentError(
      `normalize: mean and std need the same non-zero length (one per channel); got ${mean.length} and ${std.length}.`,
    );
  }
  if (std.some((s) => !(s > 0)) || mean.some((m) => !Number.isFinite(m))) {
    throw new InvalidArgumentError(`normalize: std must be > 0 and mean finite; got mean [${mean}] std [${std}].`);
  }
  return (images) => {
    checkImages('normalize', images);
    const c = images.shape[3];
    if (mean.length !== 1 && mean.length !== c) {
      throw new ShapeMismatchError(
        `normalize: ${mean.length} channel statistics for images with ${c} channels. ` +
          'Give one mean/std per channel (for gray images use one value, or tile to 3 channels first).',
      );
    }
    const [n, h, w] = images.shape;
    return tf.tidy(() => {
      if (c === 1 || mean.length === 1) {
        return tf.div(tf.sub(images, mean[0] as number), std[0] as number) as tf.Tensor4D;
      }
      // One fused matMul on [pixels, c]: x diag(1/std) + (-mean/std). A per-channel broadcast is
      // ~10x slower on wasm; this form differs from (x - mean) / std by about 1 ulp.
      const scale = tf.diag(tf.tensor1d(std.map((s) => 1 / s)));
      const bias = tf.tensor1d(mean.map((m, k) => -m / (std[k] as number)));
      const out = tf.fused.matMul({ a: tf.reshape(images, [n * h * w, c]), b: scale, bias });
      return tf.reshape(out, [n, h, w, c]) as tf.Tensor4D;
    });
  };
}
