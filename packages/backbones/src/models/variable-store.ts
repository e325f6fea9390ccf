import * as tf from '@tensorflow/tfjs-core';

let nextScope = 0;

/**
 * Creates the named variables of one model. tfjs registers every variable under a global name, so each
 * store gets a unique scope (`hvcm-backbone-3/`) and keeps the short torchvision-style names
 * (`layer1.0.conv1.weight`) as the keys that weight files and callers use.
 */
export class VariableStore {
  readonly scope: string;
  readonly parameters = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();

  constructor(prefix = 'hvcm-backbone') {
    this.scope = `${prefix}-${nextScope++}`;
  }

  /** A trainable parameter; takes ownership of `initial` (disposes it). */
  parameter(name: string, initial: tf.Tensor): tf.Variable {
    return this.add(this.parameters, name, initial, true);
  }

  /** A non-trainable buffer such as a BatchNorm moving mean; takes ownership of `initial`. */
  buffer(name: string, initial: tf.Tensor): tf.Variable {
    return this.add(this.buffers, name, initial, false);
  }

  private add(
    into: Map<string, tf.Variable>,
    name: string,
    initial: tf.Tensor,
    trainable: boolean,
  ): tf.Variable {
    if (this.parameters.has(name) || this.buffers.has(name)) {
      throw new Error(`internal: variable ${name} created twice`);
    }
    const v = tf.variable(initial, trainable, `${this.scope}/${name}`);
    initial.dispose();
    into.set(name, v);
    return v;
  }

  dispose(): void {
    for (const v of this.parameters.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.parameters.clear();
    this.buffers.clear();
  }
}
