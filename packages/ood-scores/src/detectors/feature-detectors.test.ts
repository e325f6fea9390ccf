import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, auroc, NotFittedError, ShapeMismatchError } from '@hvcm/metrics';
import { gaussian, linearLogits, makeSynthetic, seededRandom, useCpuBackend } from '../testing/test-support';
import type { Detector, FeatureInput } from '../detector';
import { detectorFromJSON } from '../registry/registry';
import { MahalanobisDetector } from './mahalanobis';
import { RelativeMahalanobisDetector } from './relative-mahalanobis';
import { KnnDetector } from './knn';
import { ReactDetector } from './react';
import { VimDetector } from './vim';
import { OdinDetector } from './odin';

beforeAll(useCpuBackend);

const matrix = (data: ArrayLike<number>, rows: number, columns: number): FeatureInput => ({
  data: Float32Array.from(data),
  shape: [rows, columns],
});

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, i) => expect(Math.abs((actual[i] ?? Number.NaN) - value)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(value))));
}

// The closed-form data of scripts/detector-reference.py (float32-rounded, as there).
function referenceData(n: number, d: number, classes: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < d; j++) x[i * d + j] = Math.sin(0.9 * i * (j + 1) + 0.3 * j) + (j === i % classes ? 2 : 0);
  }
  return { x, y };
}
function referenceQueries(d: number): Float32Array {
  const q = new Float32Array(3 * d);
  for (let r = 0; r < 3; r++) for (let j = 0; j < d; j++) q[r * d + j] = Math.cos(0.5 * r + 0.8 * j) * 1.5;
  return q;
}
const W = Float32Array.from([0.5, -0.2, 0.1, 0.3, 0.8, -0.5, -0.4, 0.2, 0.9, 0.1, 0.1, 0.1]); // [4, 3]
const B = Float32Array.from([0.1, -0.3, 0.2]);
const W3 = Float32Array.from([0.5, -0.2, 0.1, 0.7, 0.3, 0.8, -0.5, 0.2, -0.4, 0.2, 0.9, -0.6]); // [3, 4]
const B3 = Float32Array.from([0.1, -0.3, 0.2, 0.4]);

// Reference values: /usr/bin/python3 packages/ood-scores/scripts/detector-reference.py (NumPy 1.24).
const NUMPY = {
  mahalanobis: [-9.986051205566824, -9.073344033486798, -13.641818419701563],
  relativeMahalanobis: [-6.998428596507077, -2.2909019800452715, 0.5996256608992656],
  reactThreshold: 2.3574460029602053,
  react: [1.561230783399818, 1.360728688303887, 1.0689769884728118],
  vimAlpha: 1.1454606142831063,
  vim: [0.04595035182976526, -0.8560204187509688, -1.3357885663805518],
  vimWideAlpha: 1.3434442907059239,
  vimWide: [1.7851706562524194, 1.5286870802266939, 0.2203396171589429],
};

describe('Mahalanobis', () => {
  it('hand case: 1-D, two classes, pooled variance 1', async () => {
    // Class 0 = {0, 2} (mean 1), class 1 = {10, 12} (mean 11); pooled ML variance = 4 / 4 = 1.
    const detector = await new MahalanobisDetector().fit(matrix([0, 2, 10, 12], 4, 1), Int32Array.from([0, 0, 1, 1]));
    expectClose(await detector.score(matrix([3, 11, 6], 3, 1)), [-4, 0, -25], 1e-6);
    expect(detector.ridge).toEqual({ eps: 0, ridge: 0 });
    detector.dispose();
  });

  it('matches NumPy (tied covariance, Lee et al. / OpenOOD mds)', async () => {
    const { x, y } = referenceData(12, 4, 3);
    const detector = await new MahalanobisDetector().fit(matrix(x, 12, 4), y);
    expectClose(await detector.score(matrix(referenceQueries(4), 3, 4)), NUMPY.mahalanobis, 2e-5);
    detector.dispose();
  });

  it('reports the ridge and still gives finite scores on a singular covariance', async () => {
    // Column 2 duplicates column 1: the covariance is singular.
    const { x, y } = referenceData(12, 2, 2);
    const wide = new Float32Array(12 * 3);
    for (let i = 0; i < 12; i++) wide.set([x[i * 2]!, x[i * 2 + 1]!, x[i * 2 + 1]!], i * 3);
    const detector = await new MahalanobisDetector().fit(matrix(wide, 12, 3), y);
    expect(detector.ridge?.ridge).toBeGreaterThan(0);
    const scores = await detector.score(matrix(wide.subarray(0, 9), 3, 3));
    expect(Array.from(scores).every(Number.isFinite)).toBe(true);
    detector.dispose();
  });

  it('checks labels, widths and fit state', async () => {
    const detector = new MahalanobisDetector();
    await expect(detector.score(matrix([1, 2], 1, 2))).rejects.toThrow(NotFittedError);
    await expect(detector.fit(matrix([1, 2, 3, 4], 2, 2))).rejects.toThrow(/needs labels/);
    await detector.fit(matrix([0, 1, 2, 3, 4, 6], 3, 2), Int32Array.from([0, 0, 0]));
    await expect(detector.score(matrix([1, 2, 3], 1, 3))).rejects.toThrow(ShapeMismatchError);
    detector.dispose();
  });
});

describe('Relative Mahalanobis', () => {
  it('matches NumPy (Ren et al.)', async () => {
    const { x, y } = referenceData(12, 4, 3);
    const detector = await new RelativeMahalanobisDetector().fit(matrix(x, 12, 4), y);
    expectClose(await detector.score(matrix(referenceQueries(4), 3, 4)), NUMPY.relativeMahalanobis, 2e-5);
    expect(detector.ridge?.background.ridge).toBe(0);
    detector.dispose();
  });

  it('hand case: 1-D, the background distance is subtracted', async () => {
    // Classes {0, 2} and {10, 12}: tied variance 1. Background mean 6, deviations -6, -4, 4, 6, so
    // variance (36 + 16 + 16 + 36) / 4 = 26. x = 3: MD = min(4, 64) = 4, MD_0 = 9 / 26.
    const detector = await new RelativeMahalanobisDetector().fit(matrix([0, 2, 10, 12], 4, 1), Int32Array.from([0, 0, 1, 1]));
    expectClose(await detector.score(matrix([3], 1, 1)), [9 / 26 - 4], 1e-6);
    detector.dispose();
  });
});

describe('KNN', () => {
  it('hand case: distance to the k-th nearest normalised training point', async () => {
    // Train (normalised): [1, 0], [0, 1], [-1, 0]. Query [2, 0] -> [1, 0]: distances 0, sqrt 2, 2.
    const detector = await new KnnDetector({ k: 2 }).fit(matrix([3, 0, 0, 0.5, -1, 0], 3, 2));
    expectClose(await detector.score(matrix([2, 0], 1, 2)), [-Math.SQRT2], 1e-6);
    await expect(new KnnDetector({ k: 4 }).fit(matrix([1, 0, 0, 1], 2, 2))).rejects.toThrow(InvalidArgumentError);
    detector.dispose();
  });

  it('matches brute force with chunking over train and test rows', async () => {
    const normal = gaussian(seededRandom(11));
    const d = 8;
    const train = Float32Array.from({ length: 300 * d }, normal);
    const test = Float32Array.from({ length: 50 * d }, normal);
    const k = 5;
    const detector = await new KnnDetector({ k, batchSize: 16, trainChunk: 64 }).fit(matrix(train, 300, d));
    const scores = await detector.score(matrix(test, 50, d));
    const unit = (v: Float32Array, row: number): number[] => {
      const r = Array.from(v.subarray(row * d, (row + 1) * d));
      const norm = Math.hypot(...r);
      return r.map((x) => x / norm);
    };
    for (let i = 0; i < 50; i++) {
      const a = unit(test, i);
      const distances = Array.from({ length: 300 }, (_, j) => Math.hypot(...unit(train, j).map((v, t) => v - (a[t] ?? 0))));
      distances.sort((p, q) => p - q);
      expect(Math.abs((scores[i] ?? 0) + (distances[k - 1] ?? 0))).toBeLessThan(1e-5);
    }
    detector.dispose();
  });
});

describe('ReAct', () => {
  it('matches NumPy (90th percentile clip, then energy)', async () => {
    const { x } = referenceData(12, 4, 3);
    const detector = await new ReactDetector({ linear: { weight: { data: W, shape: [4, 3] }, bias: B } }).fit(matrix(x, 12, 4));
    expect(detector.threshold).toBeCloseTo(NUMPY.reactThreshold, 6);
    expectClose(await detector.score(matrix(referenceQueries(4), 3, 4)), NUMPY.react, 2e-6);
    detector.dispose();
  });

  it('hand case: clipping at the 50th percentile of {0, 1, 2, 3}', async () => {
    // Threshold 1.5; feature [3, 0] clips to [1.5, 0]; W = I, b = 0: energy = log(e^1.5 + e^0).
    const eye = { data: Float32Array.from([1, 0, 0, 1]), shape: [2, 2] as [number, number] };
    const detector = await new ReactDetector({ linear: { weight: eye, bias: new Float32Array(2) }, percentile: 50 }).fit(matrix([0, 1, 2, 3], 2, 2));
    expect(detector.threshold).toBeCloseTo(1.5, 12);
    expectClose(await detector.score(matrix([3, 0], 1, 2)), [Math.log(Math.exp(1.5) + 1)], 1e-6);
    detector.dispose();
  });

  it('asks for the linear layer and checks its shape', async () => {
    const { x } = referenceData(12, 4, 3);
    expect(() => new ReactDetector({} as never)).toThrow(/final linear layer/);
    await expect(
      new ReactDetector({ linear: { weight: { data: W, shape: [3, 4] }, bias: B } }).fit(matrix(x, 12, 4)),
    ).rejects.toThrow(/transpose/);
  });
});

describe('ViM', () => {
  it('hand case: one logit, residual along the second axis', async () => {
    // W = [[1], [0]], b = [0]: origin u = 0. Train rows (2, +-0.5), (4, +-0.5): second moment
    // diag(10, 0.25), so with D = 1 the residual axis is e2. Residual norms 0.5, max logits 2 and 4:
    // alpha = mean max logit / mean residual = 3 / 0.5 = 6. Query (3, 1): 3 - 6 * 1 = -3; (1, 0): 1.
    const linear = { weight: { data: Float32Array.from([1, 0]), shape: [2, 1] as [number, number] }, bias: new Float32Array(1) };
    const detector = await new VimDetector({ linear, dim: 1 }).fit(matrix([2, 0.5, 2, -0.5, 4, 0.5, 4, -0.5], 4, 2));
    expect(detector.fittedParameters?.alpha).toBeCloseTo(6, 6);
    expectClose(await detector.score(matrix([3, 1, 1, 0], 2, 2)), [-3, 1], 1e-6);
    detector.dispose();
  });

  it('matches NumPy / OpenOOD (d >= C)', async () => {
    const { x } = referenceData(12, 4, 3);
    const detector = await new VimDetector({ linear: { weight: { data: W, shape: [4, 3] }, bias: B }, dim: 2 }).fit(matrix(x, 12, 4));
    expect(detector.fittedParameters?.alpha).toBeCloseTo(NUMPY.vimAlpha, 5);
    expectClose(await detector.score(matrix(referenceQueries(4), 3, 4)), NUMPY.vim, 2e-5);
    detector.dispose();
  });

  it('matches NumPy when the layer is wider than the features (d < C)', async () => {
    const { x } = referenceData(10, 3, 2);
    const detector = await new VimDetector({ linear: { weight: { data: W3, shape: [3, 4] }, bias: B3 }, dim: 1 }).fit(matrix(x, 10, 3));
    expect(detector.fittedParameters?.alpha).toBeCloseTo(NUMPY.vimWideAlpha, 5);
    expectClose(await detector.score(matrix(referenceQueries(3), 3, 3)), NUMPY.vimWide, 2e-5);
    detector.dispose();
  });
});

describe('ODIN', () => {
  const weight = tf.tensor2d([[1, -1], [0.5, 2]]);
  const model = (x: tf.Tensor): tf.Tensor2D => tf.matMul(x as tf.Tensor2D, weight);
  // Closed form for a linear model: grad_x CE(xW/T, y) = (softmax(xW/T) - onehot(y)) W^T / T.
  function odinByHand(x: number[], T: number, eps: number): number {
    const logits = [x[0]! * 1 + x[1]! * 0.5, x[0]! * -1 + x[1]! * 2];
    const y = logits[0]! >= logits[1]! ? 0 : 1;
    const soft = (l: number[]): number[] => {
      const m = Math.max(...l);
      const e = l.map((v) => Math.exp((v - m) / T));
      const s = e[0]! + e[1]!;
      return e.map((v) => v / s);
    };
    const p = soft(logits);
    const g0 = ((p[0]! - (y === 0 ? 1 : 0)) * 1 + (p[1]! - (y === 1 ? 1 : 0)) * -1) / T;
    const g1 = ((p[0]! - (y === 0 ? 1 : 0)) * 0.5 + (p[1]! - (y === 1 ? 1 : 0)) * 2) / T;
    const xp = [x[0]! - eps * Math.sign(g0), x[1]! - eps * Math.sign(g1)];
    return Math.max(...soft([xp[0]! * 1 + xp[1]! * 0.5, xp[0]! * -1 + xp[1]! * 2]));
  }

  it('equals the closed form of a linear model, with and without perturbation', async () => {
    const inputs = [[1, 0.2], [-0.5, 0.3], [0.1, -0.4]];
    const x = tf.tensor2d(inputs);
    for (const [T, eps] of [[1, 0], [2, 0.1], [1000, 0.0014]] as const) {
      const detector = new OdinDetector({ model, temperature: T, epsilon: eps, batchSize: 2 });
      const scores = await detector.score(x);
      inputs.forEach((row, i) => expect(scores[i]).toBeCloseTo(odinByHand(row, T, eps), 6));
    }
    x.dispose();
  });

  it('round-trips with the model passed again, and leaks no tensor', async () => {
    const x = tf.tensor2d([[1, 0.2], [-0.5, 0.3]]);
    const before = tf.memory().numTensors;
    const detector = new OdinDetector({ model, temperature: 10, epsilon: 0.05 });
    const scores = await detector.score(x);
    const copy = detectorFromJSON(JSON.parse(JSON.stringify(detector.toJSON())), { model }) as OdinDetector;
    expect(Array.from(await copy.score(x))).toEqual(Array.from(scores));
    expect(Array.from(await copy.score({ data: Float32Array.from([1, 0.2, -0.5, 0.3]), shape: [2, 2] }))).toEqual(Array.from(scores));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(() => new OdinDetector({} as never)).toThrow(/options.model/);
  });
});

describe('feature detectors on synthetic ID/OOD data', () => {
  const data = makeSynthetic({ d: 16, classes: 4, nTrain: 400, nTest: 100, seed: 5 });
  const train = matrix(data.trainFeatures, data.nTrain, data.d);
  const id = matrix(data.idFeatures, data.nTest, data.d);
  const ood = matrix(data.oodFeatures, data.nTest, data.d);
  const linear = { weight: { data: data.weight, shape: [data.d, data.classes] as [number, number] }, bias: data.bias };
  const build = (): Detector[] => [
    new MahalanobisDetector(),
    new RelativeMahalanobisDetector(),
    new KnnDetector({ k: 10, trainChunk: 128, batchSize: 64 }),
    new ReactDetector({ linear }),
    new VimDetector({ linear }),
  ];

  it('score ID above OOD (AUROC > 0.99), round-trip exactly through JSON, and leak no tensor', async () => {
    const before = tf.memory().numTensors;
    for (const detector of build()) {
      await detector.fit(train, data.trainLabels);
      const idScores = await detector.score(id);
      const oodScores = await detector.score(ood);
      expect(auroc(idScores, oodScores), detector.kind).toBeGreaterThan(0.99);
      const copy = detectorFromJSON(JSON.parse(JSON.stringify(detector.toJSON())));
      expect(Array.from(await copy.score(ood)), detector.kind).toEqual(Array.from(oodScores));
      // Tensor input gives the same scores as the typed array.
      const tensor = tf.tensor2d(data.oodFeatures, [data.nTest, data.d]);
      expect(Array.from(await detector.score(tensor)), detector.kind).toEqual(Array.from(oodScores));
      tensor.dispose();
      detector.dispose();
      copy.dispose();
      expect(tf.memory().numTensors, detector.kind).toBe(before);
    }
  });

  it('ODIN scores ID above OOD through a linear model', async () => {
    const weight = tf.tensor2d(data.weight, [data.d, data.classes]);
    const model = (x: tf.Tensor): tf.Tensor2D => tf.matMul(x as tf.Tensor2D, weight);
    const detector = new OdinDetector({ model });
    expect(auroc(await detector.score(id), await detector.score(ood))).toBeGreaterThan(0.99);
    weight.dispose();
    // Sanity: logits of the synthetic linear layer exist for the same data.
    expect(linearLogits(data.idFeatures, data.d, data.weight, data.bias).length).toBe(data.nTest * data.classes);
  });
});
