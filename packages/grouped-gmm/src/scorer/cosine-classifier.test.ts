import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError } from '@hvcm/metrics';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosineLogits } from './cosine-classifier';
import { HvcmScorer } from './hvcm-scorer';
import { HvcmLoss } from '../loss/hvcm-loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Per-group constants `[rows, M]` broadcast over the d dims of each group: `[rows, M * d]`. */
function groupOffsets(rows: number, M: number, d: number, std: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => tf.reshape(tf.tile(tf.randomNormal([rows, M, 1], 0, std, 'float32', seed), [1, 1, d]), [rows, M * d]) as tf.Tensor2D);
}

describe('cosineLogits', () => {
  it('compares group-centered vectors: hand-computed case where the raw cosine picks the wrong class', () => {
    const before = tf.memory().numTensors;
    // M 2, d 2. a centered = [0.5, -0.5, -0.5, 0.5]. Class 0 = that + group constants (+10, -10):
    // raw cosine 1 / (sqrt 2 * sqrt 401) = 0.0353; class 1 = the opposite + (+1, +1): raw cosine
    // 1 / (sqrt 2 * sqrt 5) = 0.316. Group-centered: class 0 -> +1, class 1 -> -1.
    const a = tf.tensor2d([[1, 0, 0, 1]]);
    const centers = tf.tensor2d([[10.5, 9.5, -10.5, -9.5], [0.5, 1.5, 1.5, 0.5]]);
    const logits = cosineLogits(a, centers, 2);
    const values = Array.from(logits.dataSync());
    expect(values[0]).toBeCloseTo(1, 6);
    expect(values[1]).toBeCloseTo(-1, 6);
    tf.dispose([a, centers, logits]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ignores constants added to any group (what softmax, hence the loss, ignores) and equals the plain cosine on centered input', () => {
    const before = tf.memory().numTensors;
    const [n, K, M, d] = [7, 5, 3, 4];
    tf.tidy(() => {
      const rawA = tf.randomNormal([n, M * d], 0, 1, 'float32', 1) as tf.Tensor2D;
      const rawC = tf.randomNormal([K, M * d], 0, 1, 'float32', 2) as tf.Tensor2D;
      const base = cosineLogits(rawA, rawC, M).dataSync();
      const shifted = cosineLogits(tf.add(rawA, groupOffsets(n, M, d, 3, 3)), tf.add(rawC, groupOffsets(K, M, d, 3, 4)), M).dataSync();
      // Plain cosine of explicitly centered inputs (float64 in JS).
      const center = (x: Float32Array, rows: number): number[][] =>
        Array.from({ length: rows }, (_, r) => {
          const row = Array.from(x.subarray(r * M * d, (r + 1) * M * d));
          for (let j = 0; j < M; j++) {
            const mean = row.slice(j * d, (j + 1) * d).reduce((s, v) => s + v, 0) / d;
            for (let t = 0; t < d; t++) row[j * d + t]! -= mean;
          }
          return row;
        });
      const ca = center(rawA.dataSync() as Float32Array, n);
      const cc = center(rawC.dataSync() as Float32Array, K);
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < K; k++) {
          const expected = ca[i]!.reduce((s, x, t) => s + x * cc[k]![t]!, 0) / (norm(ca[i]!) * norm(cc[k]!));
          expect(Math.abs(base[i * K + k]! - expected)).toBeLessThan(1e-5);
          expect(Math.abs(shifted[i * K + k]! - expected)).toBeLessThan(1e-5);
        }
      }
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a group count that does not divide the columns, naming the values', () => {
    tf.tidy(() => {
      expect(() => cosineLogits(tf.zeros([2, 6]) as tf.Tensor2D, tf.zeros([3, 6]) as tf.Tensor2D, 4)).toThrow(InvalidArgumentError);
      expect(() => cosineLogits(tf.zeros([2, 6]) as tf.Tensor2D, tf.zeros([3, 6]) as tf.Tensor2D, 4)).toThrow(/dividing the 6 .* got 4/);
    });
  });
});

describe('HvcmScorer.classify after training the centers with L_hvcm', () => {
  it('stays accurate when the centers keep their randn group means (the raw cosine fell to 59 % here)', async () => {
    const before = tf.memory().numTensors;
    // Synthetic attributes: K 6 class prototypes (uniform +-0.5), noise 0.05, and a per-sample constant
    // per group (std 0.3), as real attributes have; softmax, hence the loss, ignores those constants.
    const [K, M, d, N] = [6, 8, 4, 240];
    const labels = Int32Array.from({ length: N }, (_, i) => i % K);
    const attributes = tf.tidy(() => {
      const prototypes = tf.randomUniform([K, M * d], -0.5, 0.5, 'float32', 7);
      const perSample = tf.add(tf.gather(prototypes, tf.tensor1d(labels, 'int32')), tf.randomNormal([N, M * d], 0, 0.05, 'float32', 8));
      return tf.add(perSample, groupOffsets(N, M, d, 0.3, 9)) as tf.Tensor2D;
    });
    const loss = new HvcmLoss({ numClasses: K, numGroups: M, groupDim: d, seed: 3 });
    const optimizer = tf.train.adam(0.05);
    const groupLogits = tf.zeros([N, M]) as tf.Tensor2D;
    // Centers only (attributes fixed): 100 Adam steps bring the centers' softmaxes onto the classes'.
    for (let step = 0; step < 100; step++) optimizer.minimize(() => loss.compute(attributes, groupLogits, labels).loss, false, [loss.centers]);
    const scorer = await new HvcmScorer({ numGroups: M, groupDim: d, centers: (await loss.centers.data()) as Float32Array }).fit(attributes, labels);
    const predicted = await scorer.classify(attributes);
    let hits = 0;
    predicted.forEach((k, i) => (hits += k === labels[i] ? 1 : 0));
    // Measured: 240 / 240 group-centered; the raw cosine of the flattened vectors got 142 / 240.
    expect(hits / N).toBeGreaterThan(0.99);
    scorer.dispose();
    loss.dispose();
    optimizer.dispose();
    tf.dispose([attributes, groupLogits]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
