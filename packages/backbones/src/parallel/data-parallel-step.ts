import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { parseBackendName, type BackendName } from '../backend/backend-name';
import { selectBackend } from '../backend/select-backend';
import { rowsOf, sliceRows, splitSizes, type BatchArray } from './batch-arrays';
import { checkOptimizerSpec, type OptimizerSpec } from './optimizer-spec';
import { Replica, loadProgram } from './replica';
import { ReplicaPool, checkMaxRestarts } from './replica-pool';
import { threadCpuTimeMs } from './thread-cpu-time';
import type { ProgramReference } from './training-program';
import type { WorkerHandle } from './worker-handle';
import { at } from './at';

/** Options of `createDataParallelStep`. */
export interface DataParallelStepOptions {
  /** Module, export and options that build the model + loss on each replica. */
  readonly program: ProgramReference;
  readonly optimizer: OptimizerSpec;
  /**
   * Replicas. `>= 2`: one worker thread each, with its own tfjs engine and wasm instance (use one per
   * core). `1` (default 2): runs in the calling thread on its current backend, no workers.
   */
  readonly workers?: number;
  /**
   * Backend of the worker threads: default `'wasm'` (the reason to use workers), or `'cpu'` when
   * `HVCM_BACKEND=cpu`. With one worker: when given, `selectBackend({ backend })` runs in this
   * thread; absent, the thread's current backend is used.
   */
  readonly backend?: BackendName;
  /**
   * One worker only: split each batch into this many micro-batches and accumulate their gradients
   * (weighted by size) before one update, exactly as `workers = microBatches` would (same split, same
   * per-micro-batch BatchNorm statistics, same averaging of moving statistics). Default 1.
   */
  readonly microBatches?: number;
  /**
   * Worker threads the trainer may restart over its life after they died (default 3; workers only).
   * A step during which a worker dies rejects with `ReplicaWorkerError`; the next call starts a fresh
   * worker with a survivor's weights, BatchNorm buffers and optimizer state, so training goes on as
   * if the failed step had not been called. Past this count the error is final.
   */
  readonly maxRestarts?: number;
}

/** What one training step reports. */
export interface StepResult {
  /** Mean loss over the whole batch (the sub-batch losses weighted by size), before the update. */
  readonly loss: number;
  /** Rows each replica (or micro-batch) processed. */
  readonly split: readonly number[];
  /**
   * CPU time (ms, 10 ms resolution) each replica thread spent on this step, on Linux; empty
   * elsewhere. On a shared machine, `batch / max(replicaCpuMs)` estimates the throughput with one
   * free core per replica.
   */
  readonly replicaCpuMs: readonly number[];
}

/**
 * A training step that runs data parallel: the trainer calls `step(x, y)` and never sees workers.
 * All replicas hold identical weights: they start from replica 0's weights, and each step every
 * replica applies the same averaged gradient with the same optimizer.
 */
export interface DataParallelStep {
  /** Number of replicas (worker threads, or 1 in-thread). */
  readonly replicas: number;
  /** The backend the replicas run on. */
  readonly backend: BackendName | string;
  /** Trainable scalars per replica. */
  readonly parameterCount: number;
  /**
   * One SGD/Adam step on the batch `x` `[n, ...]` with targets `y` `[n, ...]` (plain arrays or
   * tensors; tensors are read, not disposed). The batch is cut into contiguous sub-batches whose
   * sizes differ by at most one.
   */
  step(x: BatchArray | tf.Tensor, y: BatchArray | tf.Tensor): Promise<StepResult>;
  /** The replicas' weights, flattened in the program's variable order `[parameterCount]`. */
  getWeights(): Promise<Float32Array>;
  /** The replicas' buffers (BatchNorm moving statistics), flattened. */
  getBuffers(): Promise<Float32Array>;
  /** Sets weights and buffers on every replica (e.g. to resume from a checkpoint). */
  setWeights(weights: Float32Array, buffers?: Float32Array): Promise<void>;
  setLearningRate(learningRate: number): Promise<void>;
  /** Frees every replica and terminates the worker threads (resolves once they have exited). */
  dispose(): Promise<void>;
  /** Live tensors in each replica's tfjs engine (to check for leaks across steps). */
  tensorCounts(): Promise<number[]>;
  /** Worker threads still running (0 after `dispose`, and always 0 in-thread). */
  liveWorkers(): number;
}

async function toBatchArray(a: BatchArray | tf.Tensor, what: string): Promise<BatchArray> {
  if (a instanceof tf.Tensor) {
    const data = await a.data();
    if (!(data instanceof Float32Array || data instanceof Int32Array)) {
      throw new InvalidArgumentError(`${what}: expected a float32 or int32 tensor, got ${a.dtype}`);
    }
    return { data, shape: a.shape };
  }
  return a;
}

async function readBatch(xIn: BatchArray | tf.Tensor, yIn: BatchArray | tf.Tensor): Promise<[BatchArray, BatchArray, number]> {
  const x = await toBatchArray(xIn, 'x');
  const y = await toBatchArray(yIn, 'y');
  const n = rowsOf(x, 'x');
  if (rowsOf(y, 'y') !== n) {
    throw new ShapeMismatchError(`x has ${n} rows but y has ${y.shape[0]}; they must match`);
  }
  if (n === 0) throw new InvalidArgumentError('step: the batch is empty');
  return [x, y, n];
}

function checkCount(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be an integer >= 1, got ${value}`);
  }
  return value;
}

/** In-thread path: one replica; micro-batches emulate replicas exactly. */
async function createInThreadStep(options: DataParallelStepOptions): Promise<DataParallelStep> {
  const microBatches = checkCount(options.microBatches ?? 1, 'microBatches');
  if (options.backend !== undefined) await selectBackend({ backend: options.backend, log: null });
  const replica = new Replica(await loadProgram(options.program), options.optimizer);
  const slots = Array.from({ length: microBatches }, () => new Float32Array(replica.parameterCount));
  const bufferSlots = Array.from({ length: microBatches }, () => new Float32Array(replica.bufferCount));
  const snapshot = new Float32Array(replica.bufferCount);
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new InvalidArgumentError('this data-parallel step was disposed');
  };
  return {
    replicas: 1,
    backend: tf.getBackend(),
    parameterCount: replica.parameterCount,
    async step(xIn, yIn) {
      alive();
      const [x, y, n] = await readBatch(xIn, yIn);
      const split = splitSizes(n, microBatches);
      const weights = split.map((s) => s / n);
      const cpuStart = threadCpuTimeMs();
      if (microBatches > 1) replica.read('buffers', snapshot);
      let loss = 0;
      let start = 0;
      for (let i = 0; i < microBatches; i++) {
        // Each micro-batch starts from the same moving statistics, as each replica would.
        if (microBatches > 1 && i > 0) replica.write('buffers', snapshot);
        const rows = at(split, i);
        const l = await replica.gradients(sliceRows(x, start, rows), sliceRows(y, start, rows), at(weights, i), at(slots, i));
        if (microBatches > 1) replica.read('buffers', at(bufferSlots, i));
        loss += at(weights, i) * l;
        start += rows;
      }
      replica.apply(slots);
      if (microBatches > 1) replica.averageBuffers(bufferSlots, weights);
      const cpuEnd = threadCpuTimeMs();
      const replicaCpuMs = cpuStart !== undefined && cpuEnd !== undefined ? [cpuEnd - cpuStart] : [];
      return { loss, split, replicaCpuMs };
    },
    async getWeights() {
      alive();
      const out = new Float32Array(replica.parameterCount);
      replica.read('weights', out);
      return out;
    },
    async getBuffers() {
      alive();
      const out = new Float32Array(replica.bufferCount);
      replica.read('buffers', out);
      return out;
    },
    async setWeights(weights, buffers) {
      alive();
      replica.write('weights', weights);
      if (buffers !== undefined) replica.write('buffers', buffers);
    },
    async setLearningRate(learningRate) {
      alive();
      replica.optimizer.setLearningRate(learningRate);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      replica.dispose();
    },
    async tensorCounts() {
      return [tf.memory().numTensors];
    },
    liveWorkers: () => 0,
  };
}

/** Settles every call; throws, once all have settled, the first rejection (after `onFailure`). */
async function settleAll<T>(calls: Promise<T>[], onFailure: () => Promise<Error | undefined>): Promise<T[]> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed === undefined) return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  throw (await onFailure()) ?? failed.reason;
}

async function createWorkerStep(options: DataParallelStepOptions, count: number): Promise<DataParallelStep> {
  // Workers exist because wasm is single-threaded: wasm unless told otherwise (HVCM_BACKEND=cpu is
  // honoured for debugging; the native backends are multi-threaded on their own).
  const fromEnv = parseBackendName(process.env.HVCM_BACKEND, 'HVCM_BACKEND');
  const backend = options.backend ?? (fromEnv === 'cpu' ? 'cpu' : 'wasm');
  const maxRestarts = checkMaxRestarts(options.maxRestarts);
  const pool = await ReplicaPool.create({ program: options.program, optimizer: options.optimizer, backend, count, maxRestarts });
  const { parameterCount, bufferCount, slots } = pool;
  const all = <T>(f: (h: WorkerHandle, i: number) => Promise<T>): Promise<T[]> => Promise.all(pool.handles.map(f));
  let steps = 0;

  let disposed = false;
  let busy: Promise<unknown> = Promise.resolve();
  // Steps and weight transfers never overlap: each waits for the previous call.
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    if (disposed) return Promise.reject(new InvalidArgumentError('this data-parallel step was disposed'));
    const run = busy.then(f, f);
    busy = run.catch(() => undefined);
    return run;
  };
  // Operations on every replica first restart workers that died since the last call.
  const everyReplica = <T>(what: string, f: () => Promise<T>): Promise<T> =>
    serial(async () => {
      await pool.ensureAll();
      try {
        return await f();
      } catch (error) {
        throw pool.dead().length > 0 ? await pool.failure(`${what} failed`) : error;
      }
    });

  /**
   * Gradients on every replica, then (only once all succeeded) the update on every replica, so a
   * worker that dies during the gradients leaves every survivor at the pre-step weights (their
   * BatchNorm statistics, changed by the forward pass, are rolled back). A worker that dies during
   * the update leaves every survivor updated: each applies the gradients already in shared memory.
   */
  const runStep = async (x: BatchArray, y: BatchArray, n: number): Promise<StepResult> => {
    const split = splitSizes(n, count);
    const weights = split.map((s) => s / n);
    const what = `data-parallel step ${steps + 1}`;
    let start = 0;
    const gradientCalls = pool.handles.map((h, i) => {
      const rows = at(split, i);
      const xs = sliceRows(x, start, rows);
      const ys = sliceRows(y, start, rows);
      start += rows;
      return h.call<number>({ type: 'gradients', x: xs, y: ys, weight: at(weights, i) }, [
        xs.data.buffer as ArrayBuffer,
        ys.data.buffer as ArrayBuffer,
      ]);
    });
    const losses = await settleAll(gradientCalls, async () => {
      await Promise.allSettled(pool.live().map((h) => h.call({ type: 'rollback' })));
      return pool.dead().length > 0 ? await pool.failure(`${what} failed while computing gradients`, false) : undefined;
    });
    const applyCalls = pool.handles.map((h) => h.call<number | null>({ type: 'apply', bufferWeights: weights }));
    const cpu = await settleAll(applyCalls, async () => {
      steps++;
      return pool.dead().length > 0 ? await pool.failure(`${what} failed while applying the update`, true) : undefined;
    });
    steps++;
    const loss = losses.reduce((acc, l, i) => acc + at(weights, i) * l, 0);
    const replicaCpuMs = cpu.every((c) => c !== null) ? (cpu as number[]) : [];
    return { loss, split, replicaCpuMs };
  };

  const publish = async (what: string): Promise<void> => {
    await (await pool.reader(what)).call({ type: 'publish' });
  };

  return {
    replicas: count,
    backend: pool.info.backend,
    parameterCount,
    step: (xIn, yIn) =>
      serial(async () => {
        const [x, y, n] = await readBatch(xIn, yIn);
        await pool.ensureAll();
        pool.checkState('step');
        return runStep(x, y, n);
      }),
    getWeights: () =>
      serial(async () => {
        await publish('getWeights');
        return slots.sharedWeights.slice();
      }),
    getBuffers: () =>
      serial(async () => {
        await publish('getBuffers');
        return slots.sharedBuffers.slice();
      }),
    setWeights: (weights, buffers) =>
      everyReplica('setWeights', async () => {
        if (weights.length !== parameterCount) {
          throw new ShapeMismatchError(`setWeights: expected ${parameterCount} weights, got ${weights.length}`);
        }
        if (buffers !== undefined && buffers.length !== bufferCount) {
          throw new ShapeMismatchError(`setWeights: expected ${bufferCount} buffer values, got ${buffers.length}`);
        }
        if (buffers === undefined) await at(pool.handles, 0).call({ type: 'publish' });
        slots.sharedWeights.set(weights);
        if (buffers !== undefined) slots.sharedBuffers.set(buffers);
        await all((h) => h.call({ type: 'load' }));
        pool.stateRestored();
      }),
    setLearningRate: (value) =>
      everyReplica('setLearningRate', async () => {
        await all((h) => h.call({ type: 'learning-rate', value }));
      }),
    async dispose() {
      if (disposed) return;
      await busy;
      disposed = true;
      await pool.dispose();
    },
    tensorCounts: () => everyReplica('tensorCounts', () => all((h) => h.call<number>({ type: 'memory' }))),
    liveWorkers: () => pool.liveWorkers(),
  };
}

/**
 * Creates a data-parallel training step (DESIGN.md section 5: both cores from Node, each worker
 * with its own wasm instance). Each step cuts the batch into one contiguous sub-batch per replica,
 * each replica computes the gradient of its sub-batch's mean loss, the gradients are averaged
 * weighted by sub-batch size (so without BatchNorm the update equals the full-batch update up to
 * float rounding) and every replica applies the same optimizer update, so replicas stay identical.
 *
 * Gradients travel through SharedArrayBuffer slots (no copies through messages); the optimizer
 * update (a flat JavaScript SGD/Adam, see `OptimizerSpec`) runs in every replica in parallel rather
 * than once in the main thread followed by a weight broadcast: measured on wasm, the update costs
 * 3 ms per step for the small ResNet and 0.22 s for ResNet-18, and a broadcast would add a serial
 * update plus reading and writing every weight in each replica (0.8 ms and 74 ms).
 *
 * BatchNorm: each replica normalises with its own sub-batch's statistics (PyTorch DDP without
 * SyncBatchNorm), so a 2-worker step equals a 1-worker step with `microBatches: 2`, not a
 * full-batch step. Moving statistics are averaged over replicas (weighted by sub-batch size)
 * after each step.
 *
 * @example
 * const trainer = await createDataParallelStep({
 *   workers: 2,
 *   program: backboneClassifierProgram({ backbone: 'small-resnet', numClasses: 10 }),
 *   optimizer: { kind: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4 },
 * });
 * const { loss } = await trainer.step({ data: images, shape: [128, 28, 28, 1] }, { data: labels, shape: [128] });
 * await trainer.dispose();
 */
export async function createDataParallelStep(options: DataParallelStepOptions): Promise<DataParallelStep> {
  checkOptimizerSpec(options.optimizer);
  const workers = checkCount(options.workers ?? 2, 'workers');
  if (workers > 1 && options.microBatches !== undefined && options.microBatches !== 1) {
    throw new InvalidArgumentError('microBatches applies to the in-thread step (workers: 1) only');
  }
  return workers === 1 ? createInThreadStep(options) : createWorkerStep(options, workers);
}
