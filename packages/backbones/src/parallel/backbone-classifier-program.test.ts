import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend';
import { backboneClassifierProgram } from './backbone-classifier-reference';
import { createDataParallelStep } from './data-parallel-step';

/** A 2-stage small ResNet on 8x8 grayscale: cheap enough for a test, same code path as the real one. */
const program = backboneClassifierProgram({
  backbone: 'small-resnet',
  backboneOptions: { numClasses: 3, inputChannels: 1, inputSize: 8, widths: [4, 8], blocksPerStage: [1, 1], stemWidth: 4, seed: 7 },
});

function batch(n: number): { x: { data: Float32Array; shape: number[] }; y: { data: Int32Array; shape: number[] } } {
  const x = new Float32Array(n * 64);
  let s = 3;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return { x: { data: x, shape: [n, 8, 8, 1] }, y: { data: Int32Array.from({ length: n }, (_, i) => i % 3), shape: [n] } };
}

describe('backboneClassifierProgram', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: null });
  });

  it('trains a registry backbone: 2 workers equal 1 worker with 2 micro-batches, and the loss falls', async () => {
    const optimizer = { kind: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4 } as const;
    const one = await createDataParallelStep({ workers: 1, microBatches: 2, program, optimizer });
    const two = await createDataParallelStep({ workers: 2, program, optimizer });
    expect(two.parameterCount).toBe(one.parameterCount);
    const { x, y } = batch(12);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await one.step(x, y);
      const b = await two.step(x, y);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      losses.push(a.loss);
    }
    const [w1, w2, b1, b2] = await Promise.all([one.getWeights(), two.getWeights(), one.getBuffers(), two.getBuffers()]);
    let maxDiff = 0;
    w1.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - w2[i]!))));
    b1.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - b2[i]!))));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(losses[3]!).toBeLessThan(losses[0]!);
    const before = tf.memory().numTensors;
    await one.step(x, y);
    expect(tf.memory().numTensors).toBe(before);
    await Promise.all([one.dispose(), two.dispose()]);
  });
});
