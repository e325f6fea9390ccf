import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';

/**
 * The optimizer each replica runs (plain data, so it can be sent to workers).
 * - `sgd`: PyTorch's SGD: `v = momentum v + g` (`g` includes `weightDecay * w`), `w -= lr v`
 *   (Nesterov: `w -= lr (g + momentum v)`).
 * - `adam`: tfjs Adam, with L2 `weightDecay` added to the gradient.
 */
export type OptimizerSpec =
  | {
      readonly kind: 'sgd';
      readonly learningRate: number;
      readonly momentum?: number;
      readonly nesterov?: boolean;
      readonly weightDecay?: number;
    }
  | {
      readonly kind: 'adam';
      readonly learningRate: number;
      readonly beta1?: number;
      readonly beta2?: number;
      readonly epsilon?: number;
      readonly weightDecay?: number;
    };

export function checkOptimizerSpec(spec: OptimizerSpec): void {
  if (!(Number.isFinite(spec.learningRate) && spec.learningRate >= 0)) {
    throw new InvalidArgumentError(`optimizer.learningRate must be a finite number >= 0, got ${spec.learningRate}`);
  }
  const wd = spec.weightDecay ?? 0;
  if (!(Number.isFinite(wd) && wd >= 0)) {
    throw new InvalidArgumentError(`optimizer.weightDecay must be a finite number >= 0, got ${wd}`);
  }
  if (spec.kind !== 'sgd' && spec.kind !== 'adam') {
    throw new InvalidArgumentError(`optimizer.kind must be 'sgd' or 'adam', got '${(spec as { kind: string }).kind}'`);
  }
}

/** Builds the tfjs optimizer for `spec`. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer & { setLearningRate(lr: number): void } {
  checkOptimizerSpec(spec);
  if (spec.kind === 'adam') {
    const adam = tf.train.adam(spec.learningRate, spec.beta1 ?? 0.9, spec.beta2 ?? 0.999, spec.epsilon ?? 1e-8);
    return Object.assign(adam, {
      setLearningRate(lr: number) {
        (adam as unknown as { learningRate: number }).learningRate = lr;
      },
    });
  }
  const momentum = spec.momentum ?? 0;
  return momentum > 0
    ? tf.train.momentum(spec.learningRate, momentum, spec.nesterov ?? false)
    : tf.train.sgd(spec.learningRate);
}
