import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { HvcmHead } from './hvcm-head';
import { gelu } from './activations';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('HvcmHead', () => {
  it('maps [n, E] to attributes [n, M*d] and group logits [n, M] with unit-norm attribute rows', () => {
    const head = new HvcmHead({ inputDim: 7, numGroups: 4, groupDim: 3, bottleneckDim: 5, seed: 1 });
    const z = tf.randomNormal([6, 7], 0, 1, 'float32', 2) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const { attributes, groupLogits } = head.apply(z);
    expect(attributes.shape).toEqual([6, 12]);
    expect(groupLogits.shape).toEqual([6, 4]);
    // each output unit's weight vector (a column of V [bottleneck, D]) has unit norm
    const colNorms = tf.tidy(() => tf.norm(head.attributeWeight(), 'euclidean', 0).dataSync());
    for (const v of colNorms) expect(v).toBeCloseTo(1, 5);
    // u is unit norm, so |a_t| = |V_t . u| <= 1 for every attribute
    for (const v of attributes.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-6);
    const uNorms = tf.tidy(() => tf.norm(head.bottleneck(z), 'euclidean', 1).dataSync());
    for (const v of uNorms) expect(v).toBeCloseTo(1, 5);
    tf.dispose([attributes, groupLogits]);
    expect(tf.memory().numTensors).toBe(before);
    expect(head.variables.map((v) => v.name)).toEqual([
      `${head.name}/mlp-0/kernel`, `${head.name}/mlp-0/bias`, `${head.name}/attribute/direction`, `${head.name}/group-weight/kernel`,
    ]);
    z.dispose();
    head.dispose();
  });

  it('the self-distillation MLP E->2048->2048->256 has three linear layers with GELU', () => {
    const head = new HvcmHead({ inputDim: 8, numGroups: 2, groupDim: 4, hiddenDims: [16, 16], bottleneckDim: 6 });
    expect(head.variables.filter((v) => v.name.includes('/mlp-')).map((v) => v.shape)).toEqual([[8, 16], [16], [16, 16], [16], [16, 6], [6]]);
    const second = new HvcmHead({ inputDim: 8, numGroups: 2, groupDim: 4 });
    expect(second.name).not.toBe(head.name);
    head.dispose();
    second.dispose();
  });

  it('GELU is the exact erf form (PyTorch nn.GELU)', () => {
    // 0.5 x (1 + erf(x / sqrt 2)) from Python's math.erf: x = -1, 0, 1, 2
    const y = tf.tidy(() => gelu(tf.tensor1d([-1, 0, 1, 2])).dataSync());
    const expected = [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416];
    expected.forEach((e, i) => expect(y[i]).toBeCloseTo(e, 5));
  });
});
