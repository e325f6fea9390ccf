/**
 * Diagnostic for the cosine classifier's collapse under longer training: trains as main.ts does and,
 * after each epoch, logs the class centers' geometry (norms split into each group's mean, which the
 * loss's softmax ignores, and the rest; pairwise cosines) and the accuracy on the 1208 known digits
 * among the first 2000 test digits of three nearest-center rules: the raw cosine of the flattened
 * vectors, the group-centered cosine (`cosineLogits`, `HvcmScorer.classify`) and the smallest
 * `sum_j KL(softmax(C_kj) || softmax(a_j))`; plus the raw cosine's confusion matrix.
 * Run: `pnpm diagnose --train 60000` (options: --train, --epochs, --seed, --centerLr,
 * --centerOptimizer adam|sgd, --evalEvery <steps>).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createTinyConvNet, selectBackend } from '@hvcm/backbones';
import { createRng, loadMnist, mnistOpenSetSplit, selectOpenSet } from '@hvcm/datasets';
import { HvcmHead, HvcmLoss, cosineLogits } from '@hvcm/grouped-gmm';
import { gatherImages, trainEpoch } from './mnist-training';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    train: { type: 'string', default: '12000' },
    epochs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    centerLr: { type: 'string', default: '3e-3' },
    centerOptimizer: { type: 'string', default: 'adam' },
    evalEvery: { type: 'string', default: '0' },
  },
});
const M = 16;
const d = 8;
const seed = Number(values.seed);
const epochs = Number(values.epochs);

await selectBackend({ log: null });
const split = mnistOpenSetSplit(0);
const trainSet = await loadMnist({ split: 'train' });
const testSet = await loadMnist({ split: 'test' });
const trainSelection = selectOpenSet(trainSet.labels, split);
const numTrain = Math.min(Number(values.train), trainSelection.knownIndices.length);
const trainIndices = trainSelection.knownIndices.subarray(0, numTrain);
const trainLabels = trainSelection.knownLabels.subarray(0, numTrain);
const testSelection = selectOpenSet(testSet.labels.subarray(0, 2000), split);
const K = split.known.length;

const net = createTinyConvNet({ seed: seed + 4, name: 'diag' });
const head = new HvcmHead({ inputDim: net.featureDim, numGroups: M, groupDim: d, bottleneckDim: 64, seed: seed + 1 });
const loss = new HvcmLoss({ numClasses: K, numGroups: M, groupDim: d, seed: seed + 2 });
const centerLr = Number(values.centerLr);
const step = {
  features: net.forward,
  head,
  loss,
  networkVariables: [...net.variables, ...head.variables],
  optimizer: tf.train.adam(3e-3),
  centerOptimizer: values.centerOptimizer === 'sgd' ? tf.train.sgd(centerLr) : tf.train.adam(centerLr),
};

const fmt = (v: number, p = 3): string => v.toFixed(p);

/** The cosine of the flattened vectors as they are, group means included (the classifier before the fix). */
function rawCosine(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const unit = (t: tf.Tensor2D) => tf.div(t, tf.maximum(tf.norm(t, 'euclidean', 1, true), 1e-12));
  return tf.matMul(unit(x), unit(y), false, true) as tf.Tensor2D;
}

function report(tag: string): void {
  tf.tidy(() => {
    const a = tf.tidy(() => step.head.apply(net.forward(gatherImages(testSet, testSelection.knownIndices))).attributes) as tf.Tensor2D;
    const y = testSelection.knownLabels;
    const n = y.length;
    const C = tf.reshape(loss.centers, [K, M * d]) as tf.Tensor2D;
    const C3 = loss.centers;
    const cMean = tf.mean(C3, 2, true);
    const cCentered = tf.sub(C3, cMean);
    const a3 = tf.reshape(a, [n, M, d]);
    const aMean = tf.mean(a3, 2, true);
    const aCentered = tf.sub(a3, aMean);
    const rowNorm = (x: tf.Tensor) => tf.norm(tf.reshape(x, [x.shape[0] as number, -1]), 'euclidean', 1);
    const cn = rowNorm(C3).arraySync() as number[];
    const cMeanNorm = rowNorm(tf.mul(cMean, Math.sqrt(d))).arraySync() as number[];
    const cCentNorm = rowNorm(cCentered).arraySync() as number[];
    const aMeanNorm = tf.mean(rowNorm(tf.mul(aMean, Math.sqrt(d)))).arraySync() as number;
    const aCentNorm = tf.mean(rowNorm(aCentered)).arraySync() as number;
    const cc = rawCosine(C, C).arraySync() as number[][];
    const ccCent = cosineLogits(C, C, M).arraySync() as number[][];
    const offDiag = (m: number[][]): string => {
      let sum = 0;
      let max = -1;
      m.forEach((row, i) => row.forEach((v, j) => {
        if (i === j) return;
        sum += v;
        max = Math.max(max, v);
      }));
      return `mean ${fmt(sum / (K * K - K))} max ${fmt(max)}`;
    };
    // Classifiers.
    const raw = tf.argMax(rawCosine(a, C), 1).arraySync() as number[];
    const cent = tf.argMax(cosineLogits(a, C, M), 1).arraySync() as number[];
    // The loss's own rule: argmin_k sum_j KL(softmax(C_kj) || softmax(a_j)).
    const logP = tf.logSoftmax(C3); // [K, M, d]
    const logQ = tf.logSoftmax(a3); // [n, M, d]
    const kl = tf.sum(tf.mul(tf.exp(tf.expandDims(logP, 0)), tf.sub(tf.expandDims(logP, 0), tf.expandDims(logQ, 1))), [2, 3]); // [n, K]
    const klPred = tf.argMin(kl, 1).arraySync() as number[];
    const acc = (p: number[]) => { let h = 0; for (let i = 0; i < n; i++) h += p[i] === y[i] ? 1 : 0; return fmt(100 * h / n, 2); };
    const confusion = new Int32Array(K * K);
    for (let i = 0; i < n; i++) {
      const cell = (y[i] ?? 0) * K + (raw[i] ?? 0);
      confusion[cell] = (confusion[cell] ?? 0) + 1;
    }
    const rows = Array.from({ length: K }, (_, k) => Array.from(confusion.subarray(k * K, (k + 1) * K)).join(','));
    console.log(`[${tag}] acc raw cosine ${acc(raw)} | group-centered cosine (classify) ${acc(cent)} | KL-nearest ${acc(klPred)}`);
    console.log(`  center |C_k| ${cn.map((v) => fmt(v, 2)).join(' ')}; group-mean part ${cMeanNorm.map((v) => fmt(v, 2)).join(' ')}; centered part ${cCentNorm.map((v) => fmt(v, 2)).join(' ')}`);
    console.log(`  attributes: group-mean part ${fmt(aMeanNorm)}, centered part ${fmt(aCentNorm)}`);
    console.log(`  center pairwise cosine raw: ${offDiag(cc)}; centered: ${offDiag(ccCent)}`);
    console.log(`  raw-cosine confusion (rows true class, columns predicted): ${rows.join(' | ')}`);
  });
}

const rng = createRng(seed);
const evalEvery = Number(values.evalEvery);
report('init');
let globalStep = 0;
const digits = { dataset: trainSet, indices: trainIndices, labels: trainLabels };
for (let epoch = 0; epoch < epochs; epoch++) {
  const { meanLoss, steps } = await trainEpoch(step, digits, rng, () => {
    globalStep++;
    if (evalEvery > 0 && globalStep % evalEvery === 0) report(`step ${globalStep}`);
  });
  console.log(`epoch ${epoch + 1}: mean loss ${meanLoss.toFixed(4)} over ${steps} steps`);
  report(`epoch ${epoch + 1}`);
}
