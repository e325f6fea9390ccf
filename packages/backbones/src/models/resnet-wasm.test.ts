import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend';
import { createBackbone } from '../registry';

beforeAll(async () => {
  // wasm plus the fast training kernels, as applications get it.
  await selectBackend({ backend: 'wasm', log: null });
});

describe('training on wasm (with the wasm training kernels)', () => {
  it('SGD steps lower the loss on a tiny fixed batch, without leaking tensors', () => {
    expect(tf.getBackend()).toBe('wasm');
    const net = createBackbone('small-resnet', { widths: [4, 8, 8], blocksPerStage: [1, 1, 1], numClasses: 3, seed: 11 });
    const x = tf.randomUniform([12, 12, 12, 1], 0, 1, 'float32', 21) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3);
    const variables = [...net.parameters.values()];
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 8; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = net.forward(x, { training: true });
          return tf.losses.softmaxCrossEntropy(labels, logits!) as tf.Scalar;
        }, variables);
        for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.3)));
        losses.push(value.dataSync()[0]!);
      });
      counts.push(tf.memory().numTensors);
    }
    losses.slice(1).forEach((l, i) => expect(l).toBeLessThan(losses[i]!));
    expect(losses.at(-1)!).toBeLessThan(0.7 * losses[0]!);
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, labels]);
    net.dispose();
  });
});
