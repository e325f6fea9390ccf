import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '../gradients/register-core-gradients';
import { registerSharedIdentity, unregisterSharedIdentity } from './shared-identity';

describe('shared Identity on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerSharedIdentity();
  });
  afterAll(() => unregisterSharedIdentity());

  it('a clone shares the data and outlives the original', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.clone(x);
    expect(y.dataId).toBe(x.dataId); // no new buffer
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(0);
  });

  it('gradients through saved inputs are unchanged, with no leaks', () => {
    const x = tf.tensor2d(Array.from({ length: 6 * 5 }, (_, i) => Math.sin(i)), [6, 5]);
    const w = tf.tensor2d(Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i)), [5, 4]);
    const before = tf.memory().numTensors;
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.relu(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)), tf.sum(a)));
    const [gx, gw] = tf.grads(loss)([x, w]);
    unregisterSharedIdentity();
    const [rx, rw] = tf.grads(loss)([x, w]);
    registerSharedIdentity();
    expect(Array.from(gx!.dataSync())).toEqual(Array.from(rx!.dataSync()));
    expect(Array.from(gw!.dataSync())).toEqual(Array.from(rw!.dataSync()));
    tf.dispose([gx!, gw!, rx!, rw!]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('strings keep the copying kernel', () => {
    const s = tf.tensor1d(['a', 'b'], 'string');
    const c = tf.clone(s);
    s.dispose();
    expect(c.dataSync()).toEqual(['a', 'b']);
    c.dispose();
  });
});
