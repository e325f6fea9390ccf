import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend';
import { createBackbone } from '../registry';
import { registerBatchNormWasmKernels, unregisterBatchNormWasmKernels } from './batch-norm-wasm-kernels';

beforeAll(async () => {
  await selectBackend({ backend: 'wasm', log: null });
});
afterAll(() => registerBatchNormWasmKernels());

/** max |a - b| / max |b| */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

describe('a small-resnet training step on wasm: BatchNorm/add+ReLU kernels vs the tfjs-op path', () => {
  it('gives the same loss, gradients and moving statistics, without leaking tensors', () => {
    const net = createBackbone('small-resnet', { numClasses: 10, inputChannels: 1, inputSize: 28, seed: 3 });
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const variables = [...net.parameters.values()];
    const initialBuffers = [...net.buffers.values()].map((b) => tf.keep(tf.clone(b)));
    /** One step from the initial buffers: [loss, ...gradients, ...updated buffers] as arrays. */
    const step = (): Float32Array[] => {
      tf.tidy(() => [...net.buffers.values()].forEach((b, i) => b.assign(initialBuffers[i]!)));
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const { logits } = net.forward(x, { training: true });
          return tf.losses.softmaxCrossEntropy(labels, logits!) as tf.Scalar;
        }, variables);
        return [value, ...variables.map((v) => grads[v.name]!)].map((t) => t.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      return [...out, ...[...net.buffers.values()].map((b) => b.dataSync() as Float32Array)];
    };
    registerBatchNormWasmKernels();
    const fast = step();
    unregisterBatchNormWasmKernels();
    const reference = step();
    registerBatchNormWasmKernels();
    const names = ['loss', ...variables.map((v) => v.name), ...net.buffers.keys()];
    const errors = fast.map((f, i) => [names[i], relativeError(f, reference[i]!)] as const);
    for (const [name, error] of errors) expect(error, name).toBeLessThan(1e-4);
    // Different float rounding somewhere shows that the two runs took different paths.
    expect(Math.max(...errors.map(([, e]) => e))).toBeGreaterThan(0);
    tf.dispose([x, labels, ...initialBuffers]);
    net.dispose();
  });
});
