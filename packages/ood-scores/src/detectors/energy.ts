import * as tf from '@tensorflow/tfjs-core';
import type { SerializedDetector } from '../detector';
import { checkSerialized, readNumber } from '../serialization';
import { checkPositive } from './check-options';
import { LogitDetector } from './logit-detector';

/** Options of {@link EnergyDetector}. */
export interface EnergyOptions {
  /** Temperature `T`. Default 1 (the paper's and OpenOOD's choice). */
  readonly temperature?: number;
}

/**
 * Energy score: the negative free energy `score = T * logsumexp(logits / T)`.
 * Liu et al., "Energy-based Out-of-distribution Detection", NeurIPS 2020. Takes logits `[n, C]`.
 */
export class EnergyDetector extends LogitDetector {
  readonly kind = 'energy';
  static readonly version = 1;
  readonly temperature: number;

  constructor(options: EnergyOptions = {}) {
    super();
    this.temperature = checkPositive('EnergyDetector', 'temperature', options.temperature ?? 1);
  }

  /** `T * logsumexp(logits / T)` per row (negative energy): higher = more in-distribution. */
  protected scoreLogits(logits: tf.Tensor2D): tf.Tensor1D {
    return energyScore(logits, this.temperature);
  }

  toJSON(): SerializedDetector {
    return { kind: this.kind, version: EnergyDetector.version, temperature: this.temperature };
  }

  static fromJSON(json: unknown): EnergyDetector {
    const parsed = checkSerialized(json, 'energy', EnergyDetector.version);
    return new EnergyDetector({ temperature: readNumber(parsed, 'temperature') });
  }
}

/** `T * logsumexp(logits / T, axis 1)` for `[n, C]` logits -> `[n]` (call inside `tf.tidy`). */
export function energyScore(logits: tf.Tensor2D, temperature: number): tf.Tensor1D {
  if (temperature === 1) return tf.logSumExp(logits, 1) as tf.Tensor1D;
  return tf.mul(tf.logSumExp(tf.div(logits, tf.scalar(temperature)), 1), tf.scalar(temperature)) as tf.Tensor1D;
}
