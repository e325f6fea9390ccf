import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@hvcm/metrics';

/**
 * Cosine similarities between flattened attributes `[n, D]` and flattened class centers `[K, D]`:
 * `[n, K]` (DESIGN.md section 3's classifier; argmax is the predicted class). Call inside `tf.tidy`.
 */
export function cosineLogits(attributes: tf.Tensor2D, centers: tf.Tensor2D): tf.Tensor2D {
  if (attributes.shape[1] !== centers.shape[1]) {
    throw new ShapeMismatchError(`cosine classifier: attributes have ${attributes.shape[1]} columns, centers ${centers.shape[1]}; both must be M * d.`);
  }
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12));
    return tf.matMul(unit(attributes), unit(centers), false, true) as tf.Tensor2D;
  });
}
