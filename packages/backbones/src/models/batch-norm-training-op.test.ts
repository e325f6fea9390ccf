import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { normalizeWithBatchStatistics } from './batch-norm-training-op';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** max |a - b| / max |b| */
function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]! / tf.max(tf.abs(b)).dataSync()[0]!);
}

describe('normalizeWithBatchStatistics', () => {
  it.each([
    [[4, 5, 3, 6]],
    [[2, 7, 7, 3]],
    [[1, 1, 9, 2]],
  ])('matches tf.moments + tf.batchNorm and its autodiff gradient for x %j', (shape) => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const [n, h, w, c] = shape as [number, number, number, number];
      // A mean well away from 0 (5 standard deviations), where a one-pass E[x^2] - mean^2 would lose digits.
      const x = tf.add(tf.mul(tf.randomNormal([n, h, w, c], 0, 1, 'float32', 1), 2), 10) as tf.Tensor4D;
      const gamma = tf.randomUniform([c], 0.5, 1.5, 'float32', 2) as tf.Tensor1D;
      const beta = tf.randomNormal([c], 0, 1, 'float32', 3) as tf.Tensor1D;
      const dy = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 4);
      const eps = 1e-5;

      const reference = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(xi, [0, 1, 2]);
        return tf.batchNorm(xi, mean, variance, b, g, eps);
      };
      const ours = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
        const r = normalizeWithBatchStatistics(xi as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, eps);
        r.mean.dispose();
        r.variance.dispose();
        return r.y;
      };
      expect(relativeError(ours(x, gamma, beta), reference(x, gamma, beta))).toBeLessThan(1e-5);

      const loss = (f: typeof ours) => (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(xi, g, b), dy));
      const gOurs = tf.grads(loss(ours))([x, gamma, beta]);
      const gRef = tf.grads(loss(reference))([x, gamma, beta]);
      for (let i = 0; i < 3; i++) expect(relativeError(gOurs[i]!, gRef[i]!)).toBeLessThan(1e-4);

      const stats = normalizeWithBatchStatistics(x, gamma, beta, eps);
      const m = tf.moments(x, [0, 1, 2]);
      expect(relativeError(stats.mean, m.mean)).toBeLessThan(1e-5);
      expect(relativeError(stats.variance, m.variance)).toBeLessThan(1e-5);
      tf.dispose([stats.mean, stats.variance]);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
