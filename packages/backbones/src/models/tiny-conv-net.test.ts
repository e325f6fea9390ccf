import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTinyConvNet } from './tiny-conv-net';

describe('createTinyConvNet', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('maps [n, 28, 28, 1] to [n, 1568] non-negative features and frees its variables', () => {
    const before = tf.memory().numTensors;
    const net = createTinyConvNet({ seed: 1, name: 'tiny-conv-net-test' });
    expect(net.variables.map((v) => v.shape)).toEqual([[5, 5, 1, 16], [16], [5, 5, 16, 32], [32]]);
    // 5*5*1*16 + 16 + 5*5*16*32 + 32 = 13,248 parameters.
    expect(net.variables.reduce((s, v) => s + v.size, 0)).toBe(13_248);
    const x = tf.ones([3, 28, 28, 1]) as tf.Tensor4D;
    const features = net.forward(x);
    expect(features.shape).toEqual([3, net.featureDim]);
    expect(Math.min(...features.dataSync())).toBeGreaterThanOrEqual(0);
    tf.dispose([x, features]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is reproducible from its seed', () => {
    const a = createTinyConvNet({ seed: 7, name: 'tiny-a' });
    const b = createTinyConvNet({ seed: 7, name: 'tiny-b' });
    expect(Array.from(a.variables[2]!.dataSync())).toEqual(Array.from(b.variables[2]!.dataSync()));
    a.dispose();
    b.dispose();
  });
});
