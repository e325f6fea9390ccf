import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GroupedGaussianDetector } from './grouped-gaussian-detector';
import { GroupedGaussianScorer } from './grouped-gaussian-scorer';
import { ClassGroupMoments } from './class-group-moments';
import { referenceClassScores } from './reference-scores';
import { makeSyntheticGaussians, sampleSynthetic, seededNormal, trueCovariance } from './synthetic-gaussians.test-helper';
import type { GroupedGaussianModel } from './grouped-gaussian-model';
import { createDetector, detectorFromJSON } from '../registry/registry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** AUROC with ID as positive (probability an ID score beats an OOD score, ties half). */
function auroc(id: Float32Array, ood: Float32Array): number {
  let wins = 0;
  for (const a of id) for (const b of ood) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / (id.length * ood.length);
}

describe('grouped Gaussians: hand-computed case', () => {
  it('K 2, M 2, d 1: score = -min_k sum_j w * 0.5 (x - mu)^2 / var', async () => {
    // class 0: group 0 values {0, 2} (mean 1, var 2), group 1 {1, 3} (mean 2, var 2)
    // class 1: group 0 {10, 14} (mean 12, var 8), group 1 {-1, 1} (mean 0, var 2)
    const features = { data: Float32Array.from([0, 1, 2, 3, 10, -1, 14, 1]), shape: [4, 2] as const };
    const detector = await new GroupedGaussianDetector({ numGroups: 2, groupWeights: [0.25, 0.75] }).fit(features, Int32Array.from([0, 0, 1, 1]));
    const x = { data: Float32Array.from([1, 0, 12, 2]), shape: [2, 2] as const };
    const out = await detector.scoreDetailed(x, { nearestClass: true, classScores: true });
    // x0 = (1, 0): class 0: 0.25*0.5*0/2 + 0.75*0.5*4/2 = 0.75; class 1: 0.25*0.5*121/8 + 0.75*0.5*0/2 = 1.890625
    // x1 = (12, 2): class 0: 0.25*0.5*121/2 + 0.75*0.5*0 = 7.5625; class 1: 0 + 0.75*0.5*4/2 = 0.75
    expect(Array.from(out.classScores!)).toEqual([0.75, 1.890625, 7.5625, 0.75].map((v) => expect.closeTo(v, 5)));
    expect(Array.from(out.scores)).toEqual([expect.closeTo(-0.75, 5), expect.closeTo(-0.75, 5)]);
    expect(Array.from(out.nearestClass!)).toEqual([0, 1]);
    expect(detector.ridgeReport!.blocksWithRidge).toBe(0);
    detector.dispose();
  });

  it('reports the ridge of a singular block and still scores finitely', async () => {
    // class 0 has a constant feature: a singular covariance, so Cholesky needs a ridge
    const features = { data: Float32Array.from([0, 1, 2, 1, 5, 5, 6, 4, 5, 7]), shape: [5, 2] as const };
    const detector = await new GroupedGaussianDetector({ numGroups: 1 }).fit(features, Int32Array.from([0, 0, 1, 1, 1]));
    const report = detector.ridgeReport!;
    expect(report.blocksWithRidge).toBe(1);
    expect(report.ridge[0]).toBeGreaterThan(0);
    expect(report.ridge[1]).toBe(0);
    const scores = await detector.score({ data: Float32Array.from([0.5, 0.5, 3, -3]), shape: [2, 2] });
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    detector.dispose();
  });
});

describe('grouped Gaussians on synthetic class-conditional data', () => {
  const truth = makeSyntheticGaussians(3, 4, 3, 11);
  const train = sampleSynthetic(truth, 4000, 12);

  it('fitted means and covariances converge to the known parameters', () => {
    const moments = new ClassGroupMoments(3, 4, 3);
    // streamed in uneven batches
    const D = 12;
    for (let start = 0; start < train.labels.length; start += 777) {
      const end = Math.min(start + 777, train.labels.length);
      moments.add(train.features.subarray(start * D, end * D), train.labels.subarray(start, end));
    }
    let maxMeanError = 0;
    let maxCovError = 0;
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j < 4; j++) {
        const mean = moments.mean(k, j);
        const cov = moments.covariance(k, j);
        const S = trueCovariance(truth, k, j);
        for (let t = 0; t < 3; t++) maxMeanError = Math.max(maxMeanError, Math.abs(mean[t]! - truth.means[(k * 4 + j) * 3 + t]!));
        for (let t = 0; t < 9; t++) maxCovError = Math.max(maxCovError, Math.abs(cov[t]! - S[t]!) / Math.max(1, Math.abs(S[t]!)));
      }
    }
    // 4000 samples: standard errors ~ 1/sqrt(4000) = 0.016 per unit scale
    expect(maxMeanError).toBeLessThan(0.1);
    expect(maxCovError).toBeLessThan(0.15);
  });

  it('an injected OOD cluster scores below ID (AUROC > 0.99); fast scorer == float64 reference', async () => {
    const detector = await new GroupedGaussianDetector({ numGroups: 4 }).fit({ data: train.features, shape: [train.labels.length, 12] }, train.labels);
    const testId = sampleSynthetic(truth, 100, 13);
    const normal = seededNormal(14);
    const ood = Float32Array.from({ length: 300 * 12 }, () => 8 + 2 * normal());
    const idScores = await detector.score({ data: testId.features, shape: [300, 12] });
    const oodScores = await detector.score({ data: ood, shape: [300, 12] });
    expect(auroc(idScores, oodScores)).toBeGreaterThan(0.99);
    const reference = referenceClassScores(detector.model, testId.features, 300);
    let maxRel = 0;
    for (let i = 0; i < 300; i++) {
      const min = Math.min(reference[i * 3]!, reference[i * 3 + 1]!, reference[i * 3 + 2]!);
      maxRel = Math.max(maxRel, Math.abs(-min - idScores[i]!) / Math.max(1, min));
    }
    expect(maxRel).toBeLessThan(1e-4);
    detector.dispose();
  });
});

function randomModel(K: number, M: number, d: number, seed: number): GroupedGaussianModel {
  const normal = seededNormal(seed);
  const whitening = new Float64Array(K * M * d * d);
  for (let b = 0; b < K * M; b++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c <= r; c++) whitening[b * d * d + r * d + c] = r === c ? 0.5 + Math.abs(normal()) : 0.3 * normal();
    }
  }
  return {
    numClasses: K,
    numGroups: M,
    groupDim: d,
    means: Float64Array.from({ length: K * M * d }, () => normal()),
    whitening,
    groupWeights: Float64Array.from({ length: K * M }, () => Math.abs(normal())),
  };
}

describe('GroupedGaussianScorer', () => {
  it('class blocks, row chunks and reductions do not change the scores; no tensor leaks', async () => {
    const model = randomModel(7, 3, 5, 21);
    const normal = seededNormal(22);
    const n = 37;
    const x = Float32Array.from({ length: n * 15 }, () => normal());
    const reference = referenceClassScores(model, x, n);
    const before = tf.memory().numTensors;
    for (const options of [{}, { reduction: 'sum' as const }, { classBlockSize: 3, rowsPerChunk: 10, reduction: 'matmul' as const }, { classBlockSize: 1, rowsPerChunk: 1 }]) {
      const scorer = new GroupedGaussianScorer(model, options);
      const out = await scorer.score({ data: x, shape: [n, 15] }, { nearestClass: true, classScores: true });
      for (let i = 0; i < n * 7; i++) expect(out.classScores![i]).toBeCloseTo(reference[i]!, 3);
      for (let i = 0; i < n; i++) {
        const row = Array.from(reference.subarray(i * 7, i * 7 + 7));
        const min = Math.min(...row);
        expect(out.scores[i]).toBeCloseTo(-min, 3);
        expect(out.nearestClass![i]).toBe(row.indexOf(min));
      }
      scorer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('exact pruning: same minimum and nearest class as the full computation, fewer pairs on separated classes', async () => {
    const truth = makeSyntheticGaussians(6, 5, 4, 41, 2);
    const train = sampleSynthetic(truth, 300, 42);
    const detector = await new GroupedGaussianDetector({ numGroups: 5 }).fit({ data: train.features, shape: [1800, 20] }, train.labels);
    const normal = seededNormal(43);
    const test = sampleSynthetic(truth, 20, 44);
    // ID samples, OOD samples, and points halfway between two classes (near ties)
    const n = 120 + 40 + 40;
    const x = new Float32Array(n * 20);
    x.set(test.features);
    for (let i = 120 * 20; i < 160 * 20; i++) x[i] = 4 * normal();
    for (let i = 160; i < n; i++) {
      for (let t = 0; t < 20; t++) x[i * 20 + t] = 0.5 * (test.features[((i - 160) % 120) * 20 + t]! + test.features[((i - 159) % 120) * 20 + t]!);
    }
    const before = tf.memory().numTensors;
    const full = new GroupedGaussianScorer(detector.model, { pruning: false });
    const pruned = new GroupedGaussianScorer(detector.model, { pruning: true, seedGroups: 1 });
    const a = await full.score({ data: x, shape: [n, 20] }, { nearestClass: true });
    const b = await pruned.score({ data: x, shape: [n, 20] }, { nearestClass: true });
    for (let i = 0; i < n; i++) expect(b.scores[i]).toBeCloseTo(a.scores[i]!, 3);
    expect(Array.from(b.nearestClass!)).toEqual(Array.from(a.nearestClass!));
    const rows = tf.tensor2d(test.features, [120, 20]);
    const { pairsEvaluated, mode } = await pruned.minimumWithPruning(rows);
    expect(mode).toBe('pruned');
    rows.dispose();
    // every chunk is exact whichever path the speed heuristic picks
    for (const [start, count] of [[120, 40], [160, 40], [0, 200]] as const) {
      const chunk = tf.tensor2d(x.subarray(start * 20, (start + count) * 20), [count, 20]);
      const out = await pruned.minimumWithPruning(chunk);
      chunk.dispose();
      for (let i = 0; i < count; i++) {
        expect(-out.minimum[i]!).toBeCloseTo(a.scores[start + i]!, 3);
        expect(out.argMin[i]).toBe(a.nearestClass![start + i]);
      }
    }
    // 120 ID samples x 6 classes x 5 groups = 3600 pairs without pruning
    expect(pairsEvaluated).toBeLessThan(0.6 * 3600);
    full.dispose();
    pruned.dispose();
    expect(tf.memory().numTensors).toBe(before);
    detector.dispose();
  });

  it('pruning falls back to the stacked GEMMs when no class can be dropped early, same results', async () => {
    const base = randomModel(1, 4, 3, 51);
    const K = 5;
    // five classes with nearly equal parameters: every partial sum is close to the best one
    const model: GroupedGaussianModel = {
      numClasses: K,
      numGroups: 4,
      groupDim: 3,
      means: Float64Array.from({ length: K * 12 }, (_, i) => base.means[i % 12]! + 1e-3 * Math.floor(i / 12)),
      whitening: Float64Array.from({ length: K * 36 }, (_, i) => base.whitening[i % 36]!),
      groupWeights: Float64Array.from({ length: K * 4 }, (_, i) => base.groupWeights[i % 4]!),
    };
    const normal = seededNormal(52);
    const x = Float32Array.from({ length: 30 * 12 }, () => normal());
    const pruned = new GroupedGaussianScorer(model, { pruning: true, seedGroups: 2 });
    const rows = tf.tensor2d(x, [30, 12]);
    const out = await pruned.minimumWithPruning(rows);
    rows.dispose();
    expect(out.mode).toBe('full');
    const reference = referenceClassScores(model, x, 30);
    for (let i = 0; i < 30; i++) {
      const row = Array.from(reference.subarray(i * K, (i + 1) * K));
      expect(out.minimum[i]).toBeCloseTo(Math.min(...row), 3);
    }
    pruned.dispose();
  });

  it('fit / score / toJSON / fromJSON / dispose: identical scores, no leaks', async () => {
    const truth = makeSyntheticGaussians(2, 2, 2, 31);
    const data = sampleSynthetic(truth, 50, 32);
    const before = tf.memory().numTensors;
    const detector = await new GroupedGaussianDetector({ numGroups: 2, groupWeights: [0.3, 0.7] }).fit({ data: data.features, shape: [100, 4] }, data.labels);
    const tensor = tf.tensor2d(data.features, [100, 4]);
    const a = await detector.score(tensor);
    const json = JSON.parse(JSON.stringify(detector.toJSON()));
    const restored = GroupedGaussianDetector.fromJSON(json);
    const b = await restored.score(tensor);
    expect(Array.from(b)).toEqual(Array.from(a));
    tensor.dispose();
    detector.dispose();
    restored.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(detector.score({ data: data.features, shape: [100, 4] })).rejects.toThrow(/disposed/);
  });

  it('is registered: createDetector and detectorFromJSON give the same scores', async () => {
    const truth = makeSyntheticGaussians(2, 2, 2, 61);
    const data = sampleSynthetic(truth, 40, 62);
    const x = { data: data.features, shape: [80, 4] as const };
    const detector = createDetector('grouped-gaussian', { numGroups: 2 });
    expect(detector).toBeInstanceOf(GroupedGaussianDetector);
    await detector.fit(x, data.labels);
    const restored = detectorFromJSON(JSON.parse(JSON.stringify(detector.toJSON())));
    expect(Array.from(await restored.score(x))).toEqual(Array.from(await detector.score(x)));
    detector.dispose();
    restored.dispose();
  });

  it('rejects features whose width is not a multiple of M', async () => {
    const detector = new GroupedGaussianDetector({ numGroups: 3 });
    await expect(detector.fit({ data: new Float32Array(8), shape: [2, 4] }, Int32Array.from([0, 0]))).rejects.toThrow(/multiple of numGroups 3/);
  });
});
