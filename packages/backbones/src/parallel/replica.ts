import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@hvcm/metrics';
import type { BatchArray } from './batch-arrays';
import { createOptimizer, type OptimizerSpec } from './optimizer-spec';
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

/**
 * One model replica: its program, its optimizer, and flat Float32Array views of its gradients,
 * weights and buffers. The same class runs in each worker thread and, with one worker, in the
 * calling thread, so both paths do bit-identical arithmetic.
 */
export class Replica {
  readonly program: TrainingProgram;
  readonly optimizer: ReturnType<typeof createOptimizer>;
  /** Element count of each trainable variable, in order. */
  readonly sizes: number[];
  readonly bufferSizes: number[];
  readonly parameterCount: number;
  readonly bufferCount: number;
  private readonly averaged: Float32Array;
  private readonly weightDecay: number;

  constructor(program: TrainingProgram, optimizer: OptimizerSpec) {
    this.program = program;
    this.optimizer = createOptimizer(optimizer);
    this.weightDecay = optimizer.weightDecay ?? 0;
    this.sizes = program.variables.map(sizeOf);
    this.bufferSizes = (program.buffers ?? []).map(sizeOf);
    this.parameterCount = this.sizes.reduce((a, b) => a + b, 0);
    this.bufferCount = this.bufferSizes.reduce((a, b) => a + b, 0);
    this.averaged = new Float32Array(this.parameterCount);
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
    const variables = this.program.variables;
    const named: tf.NamedTensorMap = {};
    let offset = 0;
    variables.forEach((v, i) => {
      const size = at(this.sizes, i);
      const g = tf.tensor(this.averaged.subarray(offset, offset + size), v.shape, 'float32');
      named[v.name] = this.weightDecay > 0 ? tf.tidy(() => tf.add(g, tf.mul(v, this.weightDecay))) : g;
      if (this.weightDecay > 0) g.dispose();
      offset += size;
    });
    this.optimizer.applyGradients(named);
    tf.dispose(Object.values(named));
  }

  /** Copies the variables (kind 'weights') or buffers into `out`. */
  read(kind: 'weights' | 'buffers', out: Float32Array): void {
    const list = kind === 'weights' ? this.program.variables : (this.program.buffers ?? []);
    let offset = 0;
    for (const v of list) {
      const data = v.dataSync() as Float32Array;
      out.set(data, offset);
      offset += data.length;
    }
  }

  /** Assigns the variables (kind 'weights') or buffers from `data`. */
  write(kind: 'weights' | 'buffers', data: Float32Array): void {
    const list = kind === 'weights' ? this.program.variables : (this.program.buffers ?? []);
    const total = (kind === 'weights' ? this.parameterCount : this.bufferCount);
    if (data.length < total) {
      throw new ShapeMismatchError(`${kind}: expected ${total} values, got ${data.length}`);
    }
    let offset = 0;
    for (const v of list) {
      const size = sizeOf(v);
      tf.tidy(() => v.assign(tf.tensor(data.subarray(offset, offset + size), v.shape, 'float32')));
      offset += size;
    }
  }

  /** Sets the buffers to the weighted average of the replicas' buffer slots (slot order). */
  averageBuffers(slots: readonly Float32Array[], weights: readonly number[]): void {
    if (this.bufferCount === 0) return;
    const out = new Float32Array(this.bufferCount);
    weightedSum(slots, weights, out);
    this.write('buffers', out);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.program.dispose?.();
  }
}
