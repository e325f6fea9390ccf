/**
 * Benchmark: scoring throughput (samples/s) of @hvcm/ood-scores detectors on the active backend.
 *   - Mahalanobis and KNN (k 50): 50k training features, d 512, 10 classes;
 *   - GroupedGaussian at (K 10, M 32, d 32), fitted through `createDetector('grouped-gaussian')`, and at
 *     the HVCM paper's size (K 100, M 32, d 256) from a synthetic fitted model (`fromModel`: scoring
 *     cost does not depend on the values, and fitting 3200 blocks of 256 x 256 from data is not what
 *     is measured here).
 * Run: `pnpm bench ood-scores` (wasm; `HVCM_BACKEND=cpu` for the pure-JS backend).
 * Options: --train 50000 --dim 512 --classes 10 --test 20000 --knn-test 2000 --k 50 --repeats 2
 *          --skip-paper (skip the K 100 x M 32 x d 256 case) --only mahalanobis,knn,grouped
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { normalSource } from '../shared/normal-source';
import {
  DETECTOR_REGISTRY,
  GroupedGaussianDetector,
  KnnDetector,
  MahalanobisDetector,
  createDetector,
  type Detector,
  type FeatureInput,
} from '@hvcm/ood-scores';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '50000' },
    dim: { type: 'string', default: '512' },
    classes: { type: 'string', default: '10' },
    test: { type: 'string', default: '20000' },
    'knn-test': { type: 'string', default: '2000' },
    k: { type: 'string', default: '50' },
    repeats: { type: 'string', default: '2' },
    'skip-paper': { type: 'boolean', default: false },
    only: { type: 'string', default: 'mahalanobis,knn,grouped' },
  },
});
const nTrain = Number(values.train);
const dim = Number(values.dim);
const classes = Number(values.classes);
const nTest = Number(values.test);
const nKnnTest = Number(values['knn-test']);
const k = Number(values.k);
const repeats = Number(values.repeats);
const only = new Set(values.only.split(','));

/** Gaussian clusters: `classes` random means (scale 2) plus unit noise. Labels cycle over classes. */
function clusters(n: number, d: number, numClasses: number, seed: number): { features: FeatureInput; labels: Int32Array } {
  const normal = normalSource(seed);
  const meanSource = normalSource(12345);
  const means = Float32Array.from({ length: numClasses * d }, () => 2 * meanSource());
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % numClasses;
    labels[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = (means[c * d + j] ?? 0) + normal();
  }
  return { features: { data, shape: [n, d] }, labels };
}

async function timeScoring(detector: Detector, test: FeatureInput, rows: number): Promise<{ best: number; all: number[] }> {
  // Warm-up on a few rows: kernel set-up and first-call allocation are not throughput.
  const warm = Math.min(64, rows);
  const data = (test as { data: Float32Array }).data;
  const width = (test as { shape: [number, number] }).shape[1];
  await detector.score({ data: data.subarray(0, warm * width), shape: [warm, width] });
  const all: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const scores = await detector.score(test);
    const seconds = (performance.now() - start) / 1000;
    if (scores.length !== rows || !scores.every(Number.isFinite)) throw new Error(`${detector.kind}: bad scores`);
    all.push(rows / seconds);
  }
  return { best: Math.max(...all), all };
}

function report(name: string, flopsPerSample: number, result: { best: number; all: number[] }, extra = ''): void {
  const gflops = (result.best * flopsPerSample) / 1e9;
  console.log(
    `${name.padEnd(44)} ${result.best.toFixed(0).padStart(8)} samples/s   (${gflops.toFixed(1)} GFLOP/s; runs: ${result.all.map((v) => v.toFixed(0)).join(', ')})${extra}`,
  );
}

const backend = process.env.HVCM_BACKEND ?? 'wasm';
if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
await tf.ready();
console.log(`@hvcm/ood-scores benchmark: backend ${tf.getBackend()}, node ${process.version}, best of ${repeats} runs after a warm-up`);

if (only.has('mahalanobis') || only.has('knn')) {
  const { features, labels } = clusters(nTrain, dim, classes, 1);
  const { features: test } = clusters(Math.max(nTest, nKnnTest), dim, classes, 2);
  const testData = (test as { data: Float32Array }).data;
  console.log(`training features: ${nTrain} x ${dim}, ${classes} classes`);
  if (only.has('mahalanobis')) {
    const start = performance.now();
    const detector = await new MahalanobisDetector().fit(features, labels);
    const fitSeconds = (performance.now() - start) / 1000;
    const result = await timeScoring(detector, { data: testData.subarray(0, nTest * dim), shape: [nTest, dim] }, nTest);
    report(`mahalanobis (d ${dim}, C ${classes}, ${nTest} rows)`, 2 * dim * dim + 2 * dim * classes, result, `; fit ${fitSeconds.toFixed(1)} s (float64 JS)`);
    detector.dispose();
  }
  if (only.has('knn')) {
    const start = performance.now();
    const detector = await new KnnDetector({ k }).fit(features);
    const fitSeconds = (performance.now() - start) / 1000;
    const result = await timeScoring(detector, { data: testData.subarray(0, nKnnTest * dim), shape: [nKnnTest, dim] }, nKnnTest);
    report(`knn (k ${k}, ${nTrain} x ${dim}, ${nKnnTest} rows)`, 2 * nTrain * dim, result, `; fit ${fitSeconds.toFixed(1)} s`);
    detector.dispose();
  }
}

if (only.has('grouped')) {
  if (!Object.prototype.hasOwnProperty.call(DETECTOR_REGISTRY, 'grouped-gaussian')) {
    console.log('grouped-gaussian: not available yet (no registry entry)');
  } else {
    // (K 10, M 32, d 32): fitted from data through the registry.
    {
      const K = 10;
      const M = 32;
      const d = 32;
      const { features, labels } = clusters(K * 100, M * d, K, 3);
      const { features: test } = clusters(4000, M * d, K, 4);
      const start = performance.now();
      const detector = createDetector('grouped-gaussian', { numGroups: M });
      await detector.fit(features, labels);
      const fitSeconds = (performance.now() - start) / 1000;
      const result = await timeScoring(detector, test, 4000);
      report(`grouped-gaussian (K ${K}, M ${M}, d ${d}, 4000 rows)`, K * M * 2 * d * d, result, `; fit ${fitSeconds.toFixed(1)} s (1000 rows)`);
      detector.dispose();
    }
    if (!values['skip-paper']) {
      const K = 100;
      const M = 32;
      const d = 256;
      const normal = normalSource(7);
      const means = Float64Array.from({ length: K * M * d }, () => normal());
      // Each block's L^-1: a well-conditioned lower-triangular matrix (identity plus small noise below).
      const whitening = new Float64Array(K * M * d * d);
      for (let block = 0; block < K * M; block++) {
        const base = block * d * d;
        for (let i = 0; i < d; i++) {
          whitening[base + i * d + i] = 1;
          for (let j = 0; j < i; j++) whitening[base + i * d + j] = 0.01 * normal();
        }
      }
      const groupWeights = new Float64Array(K * M).fill(1 / M);
      const detector = GroupedGaussianDetector.fromModel({ numClasses: K, numGroups: M, groupDim: d, means, whitening, groupWeights });
      const rows = 256;
      const { features: test } = clusters(rows, M * d, 1, 5);
      const result = await timeScoring(detector, test, rows);
      report(`grouped-gaussian (K ${K}, M ${M}, d ${d}, ${rows} rows)`, K * M * 2 * d * d, result, '; synthetic fitted model');
      detector.dispose();
    }
  }
}
