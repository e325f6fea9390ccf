import { describe, expect, it } from 'vitest';
import type { BatchArray } from './batch-arrays';
import { createDataParallelStep, type DataParallelStep } from './data-parallel-step';
import type { CrashingOptions } from './fixtures/crashing-program';
import type { OptimizerSpec } from './optimizer-spec';
import { HvcmError } from '@hvcm/metrics';
import { ReplicaWorkerError } from './replica-worker-error';

const tinyUrl = new URL('./fixtures/tiny-conv-program.ts', import.meta.url).href;
const crashingUrl = new URL('./fixtures/crashing-program.ts', import.meta.url).href;
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

// 11 rows: worker 0 gets 6, worker 1 gets 5 (the crashing program can pick a worker by its rows).
const step = (trainer: DataParallelStep, k: number) => trainer.step(batch(11, 11 + k).x, batch(11, 11 + k).y);

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/**
 * A 2-worker trainer on the crashing program; `control[0] = k` makes the next k loss calls kill
 * their worker, `control[1] = rows` only the worker with that many rows.
 */
async function crashingTrainer(
  how: CrashingOptions['how'],
  maxRestarts?: number,
): Promise<{ trainer: DataParallelStep; control: Int32Array }> {
  const control = new SharedArrayBuffer(8);
  const options: CrashingOptions = { batchNorm: true, seed: 3, control, how };
  const trainer = await createDataParallelStep({
    workers: 2,
    optimizer,
    maxRestarts,
    program: { moduleUrl: crashingUrl, exportName: 'createCrashingProgram', options },
  });
  return { trainer, control: new Int32Array(control) };
}

async function caught(promise: Promise<unknown>): Promise<ReplicaWorkerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReplicaWorkerError);
  expect(error).toBeInstanceOf(HvcmError);
  expect((error as HvcmError).code).toBe('REPLICA_WORKER_FAILED');
  return error as ReplicaWorkerError;
}

describe('data-parallel worker failure', () => {
  it('a worker exiting mid-step: typed error, nothing applied, restart with weights, buffers and momentum', async () => {
    const { trainer, control } = await crashingTrainer('exit');
    await step(trainer, 0);
    await step(trainer, 1);
    control.set([1, 5]); // worker 1 dies; worker 0 is the survivor whose state the new worker takes
    const error = await caught(step(trainer, 2));
    expect(error.message).toMatch(/^data-parallel step 3 failed while computing gradients: replica worker 1 exited with code 7\. /);
    expect(error.message).toMatch(/No replica applied this step's update.*restarts the dead worker\(s\) on the next call.*restart 1 of maxRestarts 3/);
    expect(error.stepApplied).toBe(false);
    expect(error.recovery).toBe('restart');
    expect(error.deaths).toHaveLength(1);
    expect(error.deaths[0]!.exitCode).toBe(7);
    expect(trainer.liveWorkers()).toBe(1);
    await step(trainer, 3);
    expect(trainer.liveWorkers()).toBe(2);
    const counts = await trainer.tensorCounts();
    await step(trainer, 4);
    expect(await trainer.tensorCounts()).toEqual(counts);
    expect(counts[0]).toBe(counts[1]);

    // The same run without the failed step (batches 0, 1, 3, 4), never interrupted.
    const reference = await createDataParallelStep({
      workers: 2,
      optimizer,
      program: { moduleUrl: tinyUrl, exportName: 'createTinyConvProgram', options: { batchNorm: true, seed: 3 } },
    });
    for (const k of [0, 1, 3, 4]) await step(reference, k);
    expect(maxRelativeError(await trainer.getWeights(), await reference.getWeights())).toBeLessThan(1e-6);
    expect(maxRelativeError(await trainer.getBuffers(), await reference.getBuffers())).toBeLessThan(1e-6);
    // Momentum went on too: one more identical step still agrees (a zeroed momentum would not).
    const [a, b] = await Promise.all([step(trainer, 5), step(reference, 5)]);
    expect(a.loss).toBeCloseTo(b.loss, 6);
    expect(maxRelativeError(await trainer.getWeights(), await reference.getWeights())).toBeLessThan(1e-6);
    await Promise.all([trainer.dispose(), reference.dispose()]);
    expect(trainer.liveWorkers()).toBe(0);
  });

  it('an uncaught error in a worker is named; past maxRestarts the error is final but the weights can be saved', async () => {
    const { trainer, control } = await crashingTrainer('throw', 1);
    await step(trainer, 0);
    control.set([1, 6]); // worker 0 dies; worker 1 is the survivor
    const first = await caught(step(trainer, 1));
    expect(first.message).toMatch(/replica worker 0 died of an uncaught RangeError: fixture: simulated native crash/);
    expect(first.recovery).toBe('restart');
    await trainer.setLearningRate(0.05);
    expect(trainer.liveWorkers()).toBe(2);
    await step(trainer, 2);
    control[0] = 1;
    const final = await caught(step(trainer, 3));
    expect(final.recovery).toBe('final');
    expect(final.message).toMatch(/will not restart workers \(maxRestarts 1 used up: 1 restart\(s\) so far\)/);
    expect(await caught(step(trainer, 4))).toBe(final);
    expect(await caught(trainer.tensorCounts())).toBe(final);
    expect(trainer.liveWorkers()).toBe(1);
    const saved = await trainer.getWeights();
    expect(saved.every(Number.isFinite)).toBe(true);
    await trainer.dispose();
    expect(trainer.liveWorkers()).toBe(0);
  });

  it('every worker dead: the state is lost until setWeights, then training resumes', async () => {
    const { trainer, control } = await crashingTrainer('exit');
    await step(trainer, 0);
    const weights = await trainer.getWeights();
    const buffers = await trainer.getBuffers();
    control[0] = 2;
    const error = await caught(step(trainer, 1));
    expect(error.recovery).toBe('state-lost');
    expect(error.deaths.map((d) => d.index).sort()).toEqual([0, 1]);
    expect(error.message).toMatch(/weights and optimizer state are lost.*setWeights/);
    const refused = await caught(step(trainer, 1));
    expect(refused.message).toMatch(/^step: the trainer's state was lost/);
    await expect(trainer.getWeights()).rejects.toThrow(/setWeights/);
    expect(trainer.liveWorkers()).toBe(2);
    await trainer.setWeights(weights, buffers);
    expect(await trainer.getWeights()).toEqual(weights);
    await step(trainer, 1);
    expect(await trainer.tensorCounts()).toHaveLength(2);
    await trainer.dispose();
    expect(trainer.liveWorkers()).toBe(0);
  });

  it('rejects a bad maxRestarts', async () => {
    await expect(
      createDataParallelStep({ workers: 2, optimizer, maxRestarts: -1, program: { moduleUrl: tinyUrl, exportName: 'createTinyConvProgram' } }),
    ).rejects.toThrow(/maxRestarts must be an integer >= 0, got -1/);
  });
});
