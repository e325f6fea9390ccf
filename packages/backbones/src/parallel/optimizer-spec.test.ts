import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@hvcm/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlatOptimizer, type OptimizerSpec } from './optimizer-spec';

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The same steps with tfjs' own optimizer, L2 weight decay added to the gradient as PyTorch does. */
function withTfjs(optimizer: tf.Optimizer, weightDecay: number, start: Float32Array, grads: Float32Array[]): Float32Array {
  const w = tf.variable(tf.tensor1d(start));
  for (const g of grads) {
    tf.tidy(() => optimizer.applyGradients({ [w.name]: tf.add(tf.tensor1d(g), tf.mul(w, weightDecay)) }));
  }
  const out = w.dataSync() as Float32Array;
  w.dispose();
  optimizer.dispose();
  return out;
}

describe('FlatOptimizer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const start = values(50, 1);
  const grads = [values(50, 2), values(50, 3), values(50, 4)];
  const cases: [OptimizerSpec, () => tf.Optimizer][] = [
    [{ kind: 'sgd', learningRate: 0.1, weightDecay: 0.01 }, () => tf.train.sgd(0.1)],
    [{ kind: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 }, () => tf.train.momentum(0.1, 0.9)],
    [{ kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }, () => tf.train.momentum(0.1, 0.9, true)],
    [{ kind: 'adam', learningRate: 0.01, weightDecay: 0.01, epsilon: 1e-7 }, () => tf.train.adam(0.01, 0.9, 0.999, 1e-7)],
  ];

  it.each(cases)('matches tfjs: %o', (spec, reference) => {
    const ours = start.slice();
    const optimizer = new FlatOptimizer(spec, ours.length);
    for (const g of grads) optimizer.step(ours, g);
    const theirs = withTfjs(reference(), spec.weightDecay ?? 0, start, grads);
    ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 5));
    // ... and it moved the weights.
    expect(Math.abs(ours[0]! - start[0]!)).toBeGreaterThan(1e-3);
  });

  it('setLearningRate(0) freezes the weights; bad specs are rejected', () => {
    const w = start.slice();
    const optimizer = new FlatOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.9 }, w.length);
    optimizer.setLearningRate(0);
    optimizer.step(w, grads[0]!);
    expect(w).toEqual(start);
    expect(() => new FlatOptimizer({ kind: 'sgd', learningRate: -1 }, 3)).toThrow(InvalidArgumentError);
    expect(() => new FlatOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 1 }, 3)).toThrow(/momentum must be in \[0, 1\)/);
  });
});

describe('FlatOptimizer state', () => {
  it('continues exactly from getState() in a fresh optimizer (SGD momentum, Nesterov, Adam)', () => {
    const specs: OptimizerSpec[] = [
      { kind: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3 },
      { kind: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true },
      { kind: 'sgd', learningRate: 0.1 },
      { kind: 'adam', learningRate: 0.01, weightDecay: 1e-2 },
    ];
    for (const spec of specs) {
      const grads = [1, 2, 3, 4].map((k) => values(7, 10 + k));
      const uninterrupted = values(7, 1);
      const a = new FlatOptimizer(spec, 7);
      grads.forEach((g) => a.step(uninterrupted, g));
      const resumed = values(7, 1);
      const before = new FlatOptimizer(spec, 7);
      grads.slice(0, 2).forEach((g) => before.step(resumed, g));
      const after = new FlatOptimizer({ ...spec, learningRate: 5 }, 7);
      after.setState(before.getState());
      grads.slice(2).forEach((g) => after.step(resumed, g));
      expect(resumed).toEqual(uninterrupted);
    }
  });

  it('refuses the state of a different optimizer', () => {
    const sgd = new FlatOptimizer({ kind: 'sgd', learningRate: 0.1 }, 3);
    const momentum = new FlatOptimizer({ kind: 'sgd', learningRate: 0.1, momentum: 0.9 }, 3);
    expect(() => sgd.setState(momentum.getState())).toThrow(/'first' has 3 values, this optimizer \(sgd\) holds none/);
    expect(() => new FlatOptimizer({ kind: 'adam', learningRate: 0.1 }, 4).setState(momentum.getState())).toThrow(InvalidArgumentError);
  });
});
