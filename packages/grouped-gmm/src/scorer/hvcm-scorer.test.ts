import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auroc, CorruptFileError } from '@hvcm/metrics';
import { inverseLower, referenceClassScores } from '@hvcm/ood-scores';
import { HvcmScorer } from './hvcm-scorer';
import { fitHvcmGaussians } from '../fit/fit-hvcm-gaussians';
// The same synthetic data as the GroupedGaussian tests: one helper, shared from its home in ood-scores.
import { makeSyntheticGaussians, sampleSynthetic, seededNormal, trueCovariance } from '../../../ood-scores/src/grouped-gaussian/synthetic-gaussians.test-helper';

const K = 4;
const M = 3;
const d = 4;
const D = M * d;
const truth = makeSyntheticGaussians(K, M, d, 101);
const train = sampleSynthetic(truth, 3000, 102);
const heldOut = sampleSynthetic(truth, 200, 103);
const W = Float64Array.from({ length: K * M }, (_, i) => [0.2, 0.3, 0.5][i % M]!);
let dir = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'hvcm-scorer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function* tensorStream(features: Float32Array, labels: Int32Array, batch: number) {
  for (let start = 0; start < labels.length; start += batch) {
    const end = Math.min(start + batch, labels.length);
    yield { attributes: tf.tensor2d(features.subarray(start * D, end * D), [end - start, D]), labels: labels.subarray(start, end) };
  }
}

describe('fitHvcmGaussians', () => {
  it('converges to the known means and covariances from a stream of tensor batches, freeing them', async () => {
    const before = tf.memory().numTensors;
    const fitted = await fitHvcmGaussians(tensorStream(train.features, train.labels, 500), { numClasses: K, numGroups: M, groupDim: d, classGroupWeights: W });
    expect(tf.memory().numTensors).toBe(before);
    expect(fitted.ridge.blocksWithRidge).toBe(0);
    expect(Array.from(fitted.ridge.classCounts)).toEqual([3000, 3000, 3000, 3000]);
    let maxMean = 0;
    let maxCov = 0;
    for (let b = 0; b < K * M; b++) {
      for (let t = 0; t < d; t++) maxMean = Math.max(maxMean, Math.abs(fitted.model.means[b * d + t]! - truth.means[b * d + t]!));
      // the fitted covariance is L L^T with L = (L^-1)^-1; compare with the true A A^T
      const S = trueCovariance(truth, Math.floor(b / M), b % M);
      const L = inverseLower(Float64Array.from(fitted.model.whitening.subarray(b * d * d, (b + 1) * d * d)), d);
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) {
        let v = 0;
        for (let t = 0; t < d; t++) v += L[r * d + t]! * L[c * d + t]!;
        maxCov = Math.max(maxCov, Math.abs(v - S[r * d + c]!) / Math.max(1, Math.abs(S[r * d + c]!)));
      }
    }
    expect(maxMean).toBeLessThan(0.1);
    expect(maxCov).toBeLessThan(0.15);
  });
});

describe('HvcmScorer', () => {
  it('OOD cluster below ID (AUROC > 0.99), fast == reference, thresholds, classifier, no leaks', async () => {
    const before = tf.memory().numTensors;
    // centers = the true class means, flattened [K, M d]
    const scorer = await new HvcmScorer({ numGroups: M, groupDim: d, classGroupWeights: W, centers: Float32Array.from(truth.means) })
      .fit({ data: train.features, shape: [train.labels.length, D] }, train.labels);
    const normal = seededNormal(104);
    const ood = Float32Array.from({ length: 400 * D }, () => 7 + 2 * normal());
    const id = await scorer.scoreDetailed({ data: heldOut.features, shape: [800, D] }, { nearestClass: true, classScores: true });
    const oodScores = await scorer.score({ data: ood, shape: [400, D] });
    expect(auroc(id.scores, oodScores)).toBeGreaterThan(0.99);

    const reference = referenceClassScores(scorer.model, heldOut.features, 800);
    let maxRel = 0;
    for (let i = 0; i < 800 * K; i++) maxRel = Math.max(maxRel, Math.abs(reference[i]! - id.classScores![i]!) / Math.max(1, reference[i]!));
    expect(maxRel).toBeLessThan(1e-4);
    // the nearest class is the true class for well separated classes
    let correct = 0;
    id.nearestClass!.forEach((k, i) => (correct += k === heldOut.labels[i] ? 1 : 0));
    expect(correct / 800).toBeGreaterThan(0.98);

    const thresholds = await scorer.calibrate({ data: heldOut.features, shape: [800, D] }, 0.95);
    const accepted = await scorer.accept({ data: heldOut.features, shape: [800, D] });
    expect(accepted.reduce((a, b) => a + b, 0) / 800).toBeGreaterThanOrEqual(0.95);
    const acceptedPerClass = await scorer.accept({ data: heldOut.features, shape: [800, D] }, { perClass: true });
    expect(acceptedPerClass.reduce((a, b) => a + b, 0) / 800).toBeGreaterThanOrEqual(0.95);
    expect(Array.from(thresholds.perClassCount).reduce((a, b) => a + b, 0)).toBe(800);
    expect((await scorer.accept({ data: ood, shape: [400, D] })).reduce((a, b) => a + b, 0)).toBeLessThan(8);

    const predicted = await scorer.classify({ data: heldOut.features, shape: [800, D] });
    let hits = 0;
    predicted.forEach((k, i) => (hits += k === heldOut.labels[i] ? 1 : 0));
    expect(hits / 800).toBeGreaterThan(0.9);
    scorer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save / load through the binary sidecar: identical scores and thresholds; damage is detected', async () => {
    const scorer = await new HvcmScorer({ numGroups: M, groupDim: d, classGroupWeights: W, centers: Float32Array.from(truth.means) })
      .fit({ data: train.features, shape: [train.labels.length, D] }, train.labels);
    await scorer.calibrate({ data: heldOut.features, shape: [800, D] });
    const path = join(dir, 'scorer.json');
    await scorer.save(path);
    expect((await readdir(dir)).sort()).toEqual(['scorer.json', 'scorer.json.bin']);
    const json = JSON.parse(await readFile(path, 'utf8'));
    // no large arrays in the JSON: only the sidecar's index
    expect(JSON.stringify(json).length).toBeLessThan(2000);
    const loaded = await HvcmScorer.load(path);
    const x = { data: heldOut.features, shape: [800, D] as const };
    expect(Array.from(await loaded.score(x))).toEqual(Array.from(await scorer.score(x)));
    expect(Array.from(await loaded.classify(x))).toEqual(Array.from(await scorer.classify(x)));
    expect(loaded.thresholds!.global).toBe(scorer.thresholds!.global);
    expect(Array.from(loaded.thresholds!.perClass)).toEqual(Array.from(scorer.thresholds!.perClass));
    expect(loaded.ridgeReport!.blocks).toBe(K * M);

    const bytes = new Uint8Array(await readFile(`${path}.bin`));
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    await writeFile(`${path}.bin`, bytes);
    await expect(HvcmScorer.load(path)).rejects.toBeInstanceOf(CorruptFileError);
    await writeFile(`${path}.bin`, bytes.subarray(0, 100));
    await expect(HvcmScorer.load(path)).rejects.toThrow(/expected \d+ bytes, got 100/);
    scorer.dispose();
    loaded.dispose();
  });
});
