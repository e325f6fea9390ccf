import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';

/**
 * Throws unless `images` is a float32 `[n, h, w, c]` batch (with `c` in `channels` when given).
 * Values are not scanned (that would cost a download); they are documented to be in [0, 1].
 */
export function checkImages(where: string, images: tf.Tensor, channels?: readonly number[]): void {
  if (images.rank !== 4) {
    throw new ShapeMismatchError(
      `${where}: images must be a [n, h, w, c] batch (rank 4); got shape [${images.shape.join(', ')}]. ` +
        'Add a batch axis with tf.expandDims for one image.',
    );
  }
  if (images.dtype !== 'float32') {
    throw new InvalidArgumentError(
      `${where}: images must be float32 in [0, 1]; got dtype ${images.dtype}. Convert with tf.div(tf.cast(x, 'float32'), 255).`,
    );
  }
  const c = images.shape[3] as number;
  if (channels !== undefined && !channels.includes(c)) {
    throw new ShapeMismatchError(`${where}: images must have ${channels.join(' or ')} channels; got ${c}.`);
  }
}

/** Throws unless `p` is a probability in [0, 1]. */
export function checkProbability(where: string, p: number): void {
  if (!(p >= 0 && p <= 1)) {
    throw new InvalidArgumentError(`${where}: probability p must be in [0, 1]; got ${p}.`);
  }
}

/** Throws unless `range` is an ordered pair `[low, high]` of finite numbers with low <= high (and low >= min). */
export function checkRange(where: string, name: string, range: readonly [number, number], min = -Infinity): void {
  const [low, high] = range;
  if (!(Number.isFinite(low) && Number.isFinite(high) && low <= high && low >= min)) {
    throw new InvalidArgumentError(
      `${where}: ${name} must be an ordered pair [low, high] with ${min} <= low <= high; got [${low}, ${high}].`,
    );
  }
}
