// Helpers shared by this package's tests (not exported from the package).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/** Selects the pure-JS cpu backend (deterministic and enough for small tests). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Mulberry32: a small seeded PRNG, so test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples by Box-Muller from a seeded uniform source. */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = Math.max(random(), 1e-12);
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Synthetic classification data: `classes` Gaussian clusters in `d` dims plus far-away OOD samples. */
export interface SyntheticData {
  readonly trainFeatures: Float32Array; // [nTrain, d]
  readonly trainLabels: Int32Array;
  readonly idFeatures: Float32Array; // [nTest, d]
  readonly oodFeatures: Float32Array; // [nTest, d]
  readonly d: number;
  readonly classes: number;
  readonly nTrain: number;
  readonly nTest: number;
  /** A linear layer that classifies the clusters: weight [d, C] (class means as columns), bias [C]. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/**
 * Class means are `spread * e_c + spread/2 * e_(c+C)`; ID samples are means plus unit noise (scaled
 * by `noise`); OOD samples are centred at `spread/2` on the dimensions no class uses (`>= 2C`), off
 * the class manifold, with the same noise: the structure feature-space and logit detectors both detect.
 */
export function makeSynthetic(options: { d?: number; classes?: number; nTrain?: number; nTest?: number; seed?: number; spread?: number; noise?: number } = {}): SyntheticData {
  const d = options.d ?? 16;
  const classes = options.classes ?? 4;
  const nTrain = options.nTrain ?? 400;
  const nTest = options.nTest ?? 100;
  const spread = options.spread ?? 6;
  const noise = options.noise ?? 1;
  const normal = gaussian(seededRandom(options.seed ?? 1));
  const means: number[][] = [];
  for (let c = 0; c < classes; c++) {
    const mean = new Array<number>(d).fill(0);
    mean[c % d] = spread;
    mean[(c + classes) % d] = spread / 2;
    means.push(mean);
  }
  const sample = (mean: readonly number[], out: Float32Array, row: number): void => {
    for (let j = 0; j < d; j++) out[row * d + j] = (mean[j] ?? 0) + noise * normal();
  };
  const trainFeatures = new Float32Array(nTrain * d);
  const trainLabels = new Int32Array(nTrain);
  for (let i = 0; i < nTrain; i++) {
    const c = i % classes;
    trainLabels[i] = c;
    sample(means[c] ?? [], trainFeatures, i);
  }
  const idFeatures = new Float32Array(nTest * d);
  for (let i = 0; i < nTest; i++) sample(means[i % classes] ?? [], idFeatures, i);
  const oodFeatures = new Float32Array(nTest * d);
  // OOD sits off the class manifold: in the dimensions no class mean uses (the origin if none is left).
  const offManifold = Array.from({ length: d }, (_, j) => (j >= 2 * classes ? spread / 2 : 0));
  for (let i = 0; i < nTest; i++) sample(offManifold, oodFeatures, i);
  const weight = new Float32Array(d * classes);
  for (let c = 0; c < classes; c++) for (let j = 0; j < d; j++) weight[j * classes + c] = (means[c]?.[j] ?? 0) / spread;
  const bias = new Float32Array(classes);
  return { trainFeatures, trainLabels, idFeatures, oodFeatures, d, classes, nTrain, nTest, weight, bias };
}

/** Row-major `[rows, columns]` product of features `[rows, d]` and weight `[d, columns]` plus bias. */
export function linearLogits(features: Float32Array, d: number, weight: Float32Array, bias: Float32Array): Float32Array {
  const columns = bias.length;
  const rows = features.length / d;
  const out = new Float32Array(rows * columns);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < columns; c++) {
      let sum = bias[c] ?? 0;
      for (let j = 0; j < d; j++) sum += (features[i * d + j] ?? 0) * (weight[j * columns + c] ?? 0);
      out[i * columns + c] = sum;
    }
  }
  return out;
}
