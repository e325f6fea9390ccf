import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@hvcm/metrics';
import type { BatchArray } from './batch-arrays';
import { FlatOptimizer, type FlatOptimizerState, type OptimizerSpec } from './optimizer-spec';
import type { ProgramReference, TrainingProgram, TrainingProgramFactory } from './training-program';
import { at } from './at';

/** Imports a program module and builds the program. */
export async function loadProgram(reference: ProgramReference): Promise<TrainingProgram> {
  const module = (await import(reference.moduleUrl)) as Record<string, unknown>;
  const name = reference.exportName ?? 'default';
  const factory = module[name];
  if (typeof factory !== 'function') {
    throw new TypeError(`@hvcm/backbones: ${reference.moduleUrl} has no function export '${name}' to build the training program`);
  }
  return (factory as TrainingProgramFactory)(reference.options);
}

function sizeOf(v: tf.Variable): number {
  return v.shape.reduce((p, d) => p * d, 1);
}

/** Weighted sum of equally long arrays, always in slot order, so every replica gets the same bits. */
export function weightedSum(slots: readonly Float32Array[], weights: readonly number[] | null, out: Float32Array): void {
  out.fill(0);
  slots.forEach((slot, s) => {
    const w = weights === null ? 1 : (weights[s] ?? 0);
    if (w === 0) return;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + w * (slot[i] as number);
  });
}

/** Everything a replica's next step depends on (plain data, posted to a restarted worker). */
export interface ReplicaState {
  readonly weights: Float32Array;
  readonly buffers: Float32Array;
  readonly optimizer: FlatOptimizerState;
}

/**
 * One model replica: its program, its optimizer, and flat Float32Array views of its gradients,
 * weights and buffers. The same class runs in each worker thread and, with one worker, in the
 * calling thread, so both paths do bit-identical arithmetic.
 */
export class Replica {
  readonly program: TrainingProgram;
  readonly optimizer: FlatOptimizer;
  /** Element count of each trainable variable, in order. */
  readonly sizes: number[];
  readonly bufferSizes: number[];
  readonly parameterCount: number;
  readonly bufferCount: number;
  private readonly averaged: Float32Array;
  /** The trainable weights, flat: the optimizer's copy, written to the variables after each update. */
  private readonly weights: Float32Array;
  /** The buffers as they were before the current step's forward pass (see `saveBuffers`). */
  private readonly savedBuffers: Float32Array;

  constructor(program: TrainingProgram, optimizer: OptimizerSpec) {
    this.program = program;
    this.sizes = program.variables.map(sizeOf);
    this.bufferSizes = (program.buffers ?? []).map(sizeOf);
    this.parameterCount = this.sizes.reduce((a, b) => a + b, 0);
    this.bufferCount = this.bufferSizes.reduce((a, b) => a + b, 0);
    this.averaged = new Float32Array(this.parameterCount);
    this.optimizer = new FlatOptimizer(optimizer, this.parameterCount);
    this.weights = new Float32Array(this.parameterCount);
    this.readVariables(program.variables, this.weights);
    this.savedBuffers = new Float32Array(this.bufferCount);
  }

  private readVariables(list: readonly tf.Variable[], out: Float32Array): void {
    let offset = 0;
    for (const v of list) {
      const data = v.dataSync() as Float32Array;
      out.set(data, offset);
      offset += data.length;
    }
  }

  private writeVariables(list: readonly tf.Variable[], data: Float32Array): void {
    let offset = 0;
    for (const v of list) {
      const size = sizeOf(v);
      // assign() gives the variable new data (a new id), which also drops XNNPACK's packed copy of
      // the old filter; writing into the old buffer in place would leave that copy stale.
      tf.tidy(() => v.assign(tf.tensor(data.subarray(offset, offset + size), v.shape, 'float32')));
      offset += size;
    }
  }

  /**
   * Gradients of the mean loss over this sub-batch, multiplied by `weight` (its share of the full
   * batch), written into `out` [parameterCount]. Returns the loss (unweighted). An empty sub-batch
   * writes zeros. The forward pass updates the program's buffers (BatchNorm statistics).
   */
  async gradients(x: BatchArray, y: BatchArray, weight: number, out: Float32Array): Promise<number> {
    if (x.shape[0] === 0) {
      out.fill(0);
      return 0;
    }
    const xs = tf.tensor(x.data, [...x.shape], x.data instanceof Int32Array ? 'int32' : 'float32');
    const ys = tf.tensor(y.data, [...y.shape], y.data instanceof Int32Array ? 'int32' : 'float32');
    const variables = this.program.variables as tf.Variable[];
    const { value, grads } = tf.variableGrads(() => this.program.loss(xs, ys), variables);
    tf.dispose([xs, ys]);
    try {
      let offset = 0;
      for (const v of variables) {
        const g = grads[v.name];
        const size = v.shape.reduce((p, d) => p * d, 1);
        if (g === undefined) {
          // The loss does not depend on this variable (an unused head, say): its gradient is zero.
          out.fill(0, offset, offset + size);
        } else {
          const data = g.dataSync() as Float32Array;
          for (let i = 0; i < size; i++) out[offset + i] = weight * (data[i] as number);
        }
        offset += size;
      }
      return at(await value.data(), 0);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /**
   * Sums the replicas' weighted gradients (slot order) and applies one optimizer step; every
   * replica calling this with the same slots ends with the same weights.
   */
  apply(slots: readonly Float32Array[]): void {
    weightedSum(slots, null, this.averaged);
    this.optimizer.step(this.weights, this.averaged);
    this.writeVariables(this.program.variables, this.weights);
  }

  /** Copies the weights or the buffers into `out`. */
  read(kind: 'weights' | 'buffers', out: Float32Array): void {
    if (kind === 'weights') out.set(this.weights);
    else this.readVariables(this.program.buffers ?? [], out);
  }

  /** Sets the weights (variables and the optimizer's copy) or the buffers from `data`. */
  write(kind: 'weights' | 'buffers', data: Float32Array): void {
    const total = kind === 'weights' ? this.parameterCount : this.bufferCount;
    if (data.length < total) {
      throw new ShapeMismatchError(`${kind}: expected ${total} values, got ${data.length}`);
    }
    if (kind === 'weights') {
      this.weights.set(data.subarray(0, total));
      this.writeVariables(this.program.variables, this.weights);
    } else {
      this.writeVariables(this.program.buffers ?? [], data);
    }
  }

  /** Sets the buffers to the weighted average of the replicas' buffer slots (slot order). */
  averageBuffers(slots: readonly Float32Array[], weights: readonly number[]): void {
    if (this.bufferCount === 0) return;
    const out = new Float32Array(this.bufferCount);
    weightedSum(slots, weights, out);
    this.write('buffers', out);
  }

  /**
   * Remembers the buffers before a step's forward pass changes them, so that `restoreBuffers` can
   * undo a step that another replica failed (costs one read of the BatchNorm statistics).
   */
  saveBuffers(): void {
    this.read('buffers', this.savedBuffers);
  }

  restoreBuffers(): void {
    this.write('buffers', this.savedBuffers);
  }

  /** Copies of the weights, buffers and optimizer state. */
  exportState(): ReplicaState {
    const buffers = new Float32Array(this.bufferCount);
    this.read('buffers', buffers);
    return { weights: this.weights.slice(), buffers, optimizer: this.optimizer.getState() };
  }

  /** Takes over `exportState()` of a replica of the same program and optimizer. */
  importState(state: ReplicaState): void {
    this.optimizer.setState(state.optimizer);
    this.write('weights', state.weights);
    this.write('buffers', state.buffers);
  }

  dispose(): void {
    this.program.dispose?.();
  }
}
