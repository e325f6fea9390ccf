import * as tf from '@tensorflow/tfjs-core';

/**
 * The identity whose gradient is zero: `sg(x)` (PyTorch's `x.detach()`). tfjs-core has no
 * stop-gradient op; `tf.customGrad` with a zero gradient function is the exact equivalent inside
 * `tf.grads` / `tf.variableGrads` / `optimizer.minimize`: nothing upstream of `sg(x)` receives any
 * gradient through this path (variables reached only through it get an all-zero gradient).
 */
const stopGradientOp = tf.customGrad((...inputs) => {
  // customGrad passes the inputs, then a save function: only the first is a tensor here.
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** `x` with its gradient stopped (same shape and values). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}
