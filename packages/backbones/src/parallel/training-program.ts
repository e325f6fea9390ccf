import type * as tf from '@tensorflow/tfjs-core';

/**
 * What a data-parallel trainer runs on every replica (each worker thread builds its own: tfjs
 * variables cannot cross threads). Built by a factory exported from a module that each worker
 * imports by URL (see `ProgramReference`).
 */
export interface TrainingProgram {
  /**
   * Trainable variables, in an order that is the same on every replica (gradients and weights
   * travel as one flat Float32Array in this order).
   */
  readonly variables: readonly tf.Variable[];
  /**
   * Non-trained state that the forward pass updates (BatchNorm moving statistics). After each step
   * every replica sets them to the average over replicas, weighted by sub-batch size.
   */
  readonly buffers?: readonly tf.Variable[];
  /**
   * Mean loss over a (sub-)batch, in training mode. `x` and `y` have the shapes the trainer was
   * given, with the batch axis cut to this replica's share (`y`'s dtype: int32 for an Int32Array,
   * else float32). Called inside `tf.variableGrads`; it must not dispose its inputs.
   */
  loss(x: tf.Tensor, y: tf.Tensor): tf.Scalar;
  /** Frees the variables (called by `dispose()` of the trainer). */
  dispose?(): void;
}

/** A factory exported by a program module. `options` are structured-cloned to each worker. */
export type TrainingProgramFactory<Options = unknown> = (options: Options) => TrainingProgram | Promise<TrainingProgram>;

/**
 * Where each replica finds its program: `import(moduleUrl)[exportName](options)`.
 * `moduleUrl` is an absolute `file:` URL or path (e.g. `new URL('./my-program.ts', import.meta.url).href`);
 * `.ts` modules work under tsx and vitest (workers register tsx themselves).
 */
export interface ProgramReference<Options = unknown> {
  readonly moduleUrl: string;
  /** Export name of the factory; default `'default'`. */
  readonly exportName?: string;
  /** Passed to the factory; must be structured-clonable (plain data). */
  readonly options?: Options;
}
