import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-core's engine state used here (not in its public types). */
interface EngineTapeState {
  gradientDepth: number;
  kernelDepth: number;
  activeTape: { outputs: tf.Tensor[]; saved?: tf.Tensor[] }[] | null;
}

function engineState(): EngineTapeState {
  return tf.engine().state as unknown as EngineTapeState;
}

/** True when an op called now is recorded on the gradient tape (tfjs-core's `isTapeOn`). */
export function isRecordingGradients(): boolean {
  const s = engineState();
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/**
 * A kept tensor sharing `t`'s data (a reshape: no copy on any backend), for a `tf.customGrad`
 * gradient to read. Why not `save([t])`: `save` clones, and on `wasm` a clone copies the whole tensor
 * (the `Identity` kernel), about 1 ms for a `[128, 28, 28, 16]` activation. Hand the result to
 * `attachToTape` right after the op, which makes the tape dispose it with its own saved tensors.
 */
export function shareForGradient(t: tf.Tensor): tf.Tensor {
  return tf.keep(tf.reshape(t, t.shape));
}

/**
 * Gives `shared` (from `shareForGradient`) to the tape node of the custom op that just produced
 * `output`: tfjs-core disposes a node's saved tensors when the outermost gradient computation ends,
 * whether or not this node's gradient ran, so nothing leaks. Throws if the last tape node is not that op.
 */
export function attachToTape(output: tf.Tensor, shared: tf.Tensor[]): void {
  const tape = engineState().activeTape;
  const node = tape?.at(-1);
  if (node?.outputs[0] !== output || !Array.isArray(node.saved)) {
    tf.dispose(shared);
    throw new Error('@hvcm/backbones: internal: the custom op just run is not the last node on the gradient tape');
  }
  node.saved.push(...shared);
}
