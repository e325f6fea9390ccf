import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend';
import type { BatchArray } from './batch-arrays';
import { createDataParallelStep, type DataParallelStep, type DataParallelStepOptions } from './data-parallel-step';
import type { OptimizerSpec } from './optimizer-spec';

const programUrl = new URL('./fixtures/tiny-conv-program.ts', import.meta.url).href;
const optimizer: OptimizerSpec = { kind: 'sgd', learningRate: 0.2, momentum: 0.9, weightDecay: 1e-3 };

function batch(n: number, seed: number): { x: BatchArray; y: BatchArray } {
  const x = new Float32Array(n * 8 * 8);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3);
  return { x: { data: x, shape: [n, 8, 8, 1] }, y: { data: y, shape: [n] } };
}

function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function train(
  options: Omit<DataParallelStepOptions, 'program' | 'optimizer'>,
  batchNorm: boolean,
  steps: number,
): Promise<{ weights: Float32Array; buffers: Float32Array; losses: number[]; trainer: DataParallelStep }> {
  const trainer = await createDataParallelStep({
    ...options,
    optimizer,
    program: { moduleUrl: programUrl, exportName: 'createTinyConvProgram', options: { batchNorm, seed: 3 } },
  });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { x, y } = batch(10, 11 + i);
    losses.push((await trainer.step(x, y)).loss);
  }
  return { weights: await trainer.getWeights(), buffers: await trainer.getBuffers(), losses, trainer };
}

describe('createDataParallelStep', () => {
  beforeAll(async () => {
    await selectBackend({ backend: 'wasm', log: null });
  });
  afterAll(() => tf.disposeVariables());

  it('without BatchNorm, 2 workers give the 1-worker full-batch result', async () => {
    const one = await train({ workers: 1 }, false, 3);
    const two = await train({ workers: 2 }, false, 3);
    expect(two.trainer.backend).toBe('wasm');
    expect(two.trainer.liveWorkers()).toBe(2);
    expect(relativeError(two.weights, one.weights)).toBeLessThan(1e-5);
    two.losses.forEach((l, i) => expect(l).toBeCloseTo(one.losses[i]!, 5));
    // The run really moved the weights away from the start.
    const start = await createDataParallelStep({
      workers: 1,
      optimizer,
      program: { moduleUrl: programUrl, exportName: 'createTinyConvProgram', options: { batchNorm: false, seed: 3 } },
    });
    expect(relativeError(await start.getWeights(), one.weights)).toBeGreaterThan(1e-2);
    await Promise.all([one.trainer.dispose(), two.trainer.dispose(), start.dispose()]);
    expect(two.trainer.liveWorkers()).toBe(0);
    await expect(two.trainer.step(batch(4, 1).x, batch(4, 1).y)).rejects.toThrow(/disposed/);
  });

  it('with BatchNorm, 2 workers equal 1 worker accumulating the same 2 micro-batches', async () => {
    const one = await train({ workers: 1, microBatches: 2 }, true, 3);
    const two = await train({ workers: 2 }, true, 3);
    const full = await train({ workers: 1 }, true, 3);
    expect(two.weights.length).toBe(one.weights.length);
    expect(relativeError(two.weights, one.weights)).toBeLessThan(1e-5);
    expect(relativeError(two.buffers, one.buffers)).toBeLessThan(1e-5);
    // ... and differ from the full-batch step, whose BatchNorm sees all 10 rows at once.
    expect(relativeError(full.weights, one.weights)).toBeGreaterThan(1e-4);
    // Moving statistics moved from their initial values (mean 0, variance 1).
    // Layout: bn0 mean [4], bn0 variance [4], bn1 mean [6], bn1 variance [6]; initially 0 and 1.
    const initial = Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(two.buffers.length).toBe(initial.length);
    expect(relativeError(two.buffers, initial)).toBeGreaterThan(1e-2);
    await Promise.all([one.trainer.dispose(), two.trainer.dispose(), full.trainer.dispose()]);
  });

  it('leaks no tensors across steps, in workers and in-thread, and lowers the loss on a fixed batch', async () => {
    for (const workers of [1, 2]) {
      const trainer = await createDataParallelStep({
        workers,
        optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.9 },
        program: { moduleUrl: programUrl, exportName: 'createTinyConvProgram', options: { batchNorm: true } },
      });
      const { x, y } = batch(12, 5);
      const first = await trainer.step(x, y);
      const after1 = await trainer.tensorCounts();
      let last = first;
      for (let i = 0; i < 8; i++) last = await trainer.step(x, y);
      expect(await trainer.tensorCounts()).toEqual(after1);
      expect(last.loss).toBeLessThan(first.loss);
      expect(first.split).toEqual(workers === 1 ? [12] : [6, 6]);
      await trainer.dispose();
    }
  });

  it('splits uneven batches and rejects bad input', async () => {
    const trainer = await createDataParallelStep({
      workers: 2,
      optimizer,
      program: { moduleUrl: programUrl, exportName: 'createTinyConvProgram', options: { batchNorm: false } },
    });
    const { x, y } = batch(5, 2);
    expect((await trainer.step(x, y)).split).toEqual([3, 2]);
    const one = batch(1, 2);
    expect((await trainer.step(one.x, one.y)).split).toEqual([1, 0]);
    await expect(trainer.step(x, { data: new Int32Array(4), shape: [4] })).rejects.toThrow(/x has 5 rows but y has 4/);
    // setWeights reaches every replica; a zero learning rate then leaves the weights as set.
    const weights = (await trainer.getWeights()).map((v, i) => v + 0.01 * (i % 7));
    await trainer.setWeights(weights);
    await trainer.setLearningRate(0);
    await trainer.step(x, y);
    expect(await trainer.getWeights()).toEqual(weights);
    await trainer.dispose();
    await expect(createDataParallelStep({ workers: 0, optimizer, program: { moduleUrl: programUrl } })).rejects.toThrow(
      /workers must be an integer >= 1/,
    );
  });

  it('rejects a program module without the named factory, and stops its workers', async () => {
    await expect(
      createDataParallelStep({ workers: 2, optimizer, program: { moduleUrl: programUrl, exportName: 'nope' } }),
    ).rejects.toThrow(/has no function export 'nope'/);
  });

  it('gives a variable the loss does not use a zero gradient (only weight decay moves it)', async () => {
    const trainer = await createDataParallelStep({
      workers: 1,
      optimizer,
      program: { moduleUrl: programUrl, exportName: 'createTinyConvProgram', options: { batchNorm: false, unusedVariable: true } },
    });
    const { x, y } = batch(4, 9);
    await trainer.step(x, y);
    const w = await trainer.getWeights();
    // First SGD step with momentum: w - lr * (0 + weightDecay * w).
    const decay = 1 - optimizer.learningRate * (optimizer.weightDecay ?? 0);
    expect(w[w.length - 2]).toBeCloseTo(1 * decay, 6);
    expect(w[w.length - 1]).toBeCloseTo(-2 * decay, 6);
    await trainer.dispose();
  });
});
