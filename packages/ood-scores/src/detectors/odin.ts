import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, NonFiniteInputError } from '@hvcm/metrics';
import { BaseDetector } from '../base-detector';
import type { FeatureInput, SerializedDetector } from '../detector';
import { checkSerialized, readNumber } from '../serialization';
import { checkInteger, checkPositive } from './check-options';
import { ensureGradients } from './ensure-gradients';

/** A differentiable model: inputs `[n, ...]` -> logits `[n, C]`, built from tfjs ops so `tf.grad` can differentiate it. */
export type LogitsFunction = (inputs: tf.Tensor) => tf.Tensor2D;

/** Options of {@link OdinDetector}. */
export interface OdinOptions {
  /** The model from inputs to logits (required; not serialised: pass it again to `fromJSON`). */
  readonly model: LogitsFunction;
  /** Softmax temperature `T`. Default 1000 (paper, OpenOOD). */
  readonly temperature?: number;
  /** Perturbation size `epsilon` in input units. Default 0.0014 (paper's CIFAR value, OpenOOD). 0 disables it. */
  readonly epsilon?: number;
  /** Samples per gradient batch. Default 128. */
  readonly batchSize?: number;
}

/** What {@link OdinDetector.score} takes: a tensor of model inputs `[n, ...]`, or flat inputs `[n, d]`. */
export type OdinInput = tf.Tensor | FeatureInput;

/**
 * ODIN: temperature scaling plus input pre-processing. Each input moves by `epsilon` against the
 * gradient sign of the temperature-scaled cross-entropy of its predicted class,
 * `x' = x - epsilon * sign(grad_x CE(f(x) / T, argmax f(x)))`, and
 * `score(x) = max_c softmax(f(x') / T)_c`. Liang, Li & Srikant, "Enhancing The Reliability of
 * Out-of-distribution Image Detection in Neural Networks", ICLR 2018. Takes the model's inputs and a
 * differentiable `model` (inputs -> logits); nothing to fit. OpenOOD additionally divides the
 * gradient by the per-channel input std of its normalisation; here the model receives the inputs as
 * given, so fold any normalisation into `model` and `epsilon` is in the units of those inputs.
 */
export class OdinDetector extends BaseDetector<OdinInput> {
  readonly kind = 'odin';
  static readonly version = 1;
  readonly temperature: number;
  readonly epsilon: number;
  private readonly model: LogitsFunction;
  private readonly batchSize: number;

  constructor(options: OdinOptions) {
    super();
    if (typeof options?.model !== 'function') {
      throw new InvalidArgumentError('OdinDetector: needs options.model, a function from an input tensor to logits [n, C].');
    }
    this.model = options.model;
    this.temperature = checkPositive('OdinDetector', 'temperature', options.temperature ?? 1000);
    this.epsilon = checkPositive('OdinDetector', 'epsilon', options.epsilon ?? 0.0014, true);
    this.batchSize = checkInteger('OdinDetector', 'batchSize', options.batchSize ?? 128);
    this.markFitted();
  }

  /** Nothing to learn: returns `this`. */
  async fit(): Promise<this> {
    this.assertFitted('fit');
    return this;
  }

  /**
   * Scores model inputs `[n, ...]` (a tensor of any rank, or `{data, shape: [n, d]}`): the maximum
   * temperature-scaled softmax probability of the perturbed input. Higher = more in-distribution.
   */
  async score(inputs: OdinInput): Promise<Float32Array> {
    this.assertFitted('score');
    if (this.epsilon > 0) await ensureGradients();
    const owned = !(inputs instanceof tf.Tensor);
    const x = inputs instanceof tf.Tensor ? inputs : this.fromArray(inputs);
    try {
      if (x.rank < 1 || (x.shape[0] ?? 0) < 1) {
        throw new InvalidArgumentError(`OdinDetector.score: inputs must be [n, ...] with n >= 1, got shape [${x.shape.join(', ')}].`);
      }
      const probe = tf.tidy(() => tf.sum(tf.mul(tf.cast(x, 'float32'), tf.scalar(0))));
      const probeValue = (await probe.data())[0] ?? 0;
      probe.dispose();
      if (!Number.isFinite(probeValue)) {
        const values = await x.data();
        const index = Array.prototype.findIndex.call(values, (v: number) => !Number.isFinite(v));
        throw new NonFiniteInputError(`OdinDetector.score: inputs must be finite, got ${values[index]} at flat index ${index}.`, index, Number(values[index]));
      }
      const n = x.shape[0] ?? 0;
      const out = new Float32Array(n);
      const temperature = tf.scalar(this.temperature);
      try {
        for (let start = 0; start < n; start += this.batchSize) {
          const size = Math.min(this.batchSize, n - start);
          const scores = tf.tidy(() => {
            const begin = x.shape.map((_, axis) => (axis === 0 ? start : 0));
            const extent = x.shape.map((dim, axis) => (axis === 0 ? size : dim));
            const batch = tf.cast(size === n ? x : tf.slice(x, begin, extent), 'float32');
            const logits = this.model(batch);
            if (this.epsilon === 0) return tf.max(tf.softmax(tf.div(logits, temperature)), 1) as tf.Tensor1D;
            const onehot = tf.oneHot(tf.argMax(logits, 1), logits.shape[1]);
            // Sum over the batch: each sample's gradient depends only on its own loss.
            const loss = (input: tf.Tensor): tf.Scalar => {
              const scaled = tf.div(this.model(input), temperature);
              return tf.neg(tf.sum(tf.mul(tf.logSoftmax(scaled), onehot))) as tf.Scalar;
            };
            const gradient = tf.grad(loss)(batch);
            const perturbed = tf.sub(batch, tf.mul(tf.sign(gradient), tf.scalar(this.epsilon)));
            return tf.max(tf.softmax(tf.div(this.model(perturbed), temperature)), 1) as tf.Tensor1D;
          });
          out.set(await scores.data(), start);
          scores.dispose();
        }
      } finally {
        temperature.dispose();
      }
      return out;
    } finally {
      if (owned) x.dispose();
    }
  }

  private fromArray(input: FeatureInput): tf.Tensor2D {
    if (input instanceof tf.Tensor) return input;
    const { data, shape } = input;
    if (data.length !== shape[0] * shape[1]) {
      throw new InvalidArgumentError(`OdinDetector.score: data has ${data.length} values but shape [${shape.join(', ')}] needs ${shape[0] * shape[1]}.`);
    }
    return tf.tensor2d(data instanceof Float32Array ? data : Float32Array.from(data), [shape[0], shape[1]]);
  }

  toJSON(): SerializedDetector {
    return { kind: this.kind, version: OdinDetector.version, temperature: this.temperature, epsilon: this.epsilon };
  }

  /** Rebuilds ODIN from JSON; the model function is not serialisable and must be passed again. */
  static fromJSON(json: unknown, options: { model: LogitsFunction; batchSize?: number }): OdinDetector {
    const parsed = checkSerialized(json, 'odin', OdinDetector.version);
    return new OdinDetector({
      model: options?.model,
      temperature: readNumber(parsed, 'temperature'),
      epsilon: readNumber(parsed, 'epsilon'),
      ...(options?.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    });
  }
}
