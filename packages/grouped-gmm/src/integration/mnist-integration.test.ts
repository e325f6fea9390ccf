import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTinyConvNet, registerWasmTrainingKernels } from '@hvcm/backbones';
import { loadMnist } from '@hvcm/datasets';
import { HvcmHead } from '../head/hvcm-head';
import { HvcmLoss } from '../loss/hvcm-loss';
import { HvcmScorer } from '../scorer/hvcm-scorer';
import { hvcmTrainStep } from '../train/hvcm-train-step';

// CI-sized integration test: a tiny CNN backbone (two 5x5 stride-2 convolutions, 16 and 32 channels,
// ReLU, 1568 features) + HvcmHead (bottleneck 64, M 16, d 8) + HvcmLoss (alpha 1, beta 0.1, kl-pair)
// trained with L = L_hvcm only on 12000 MNIST training digits for 3 epochs (batch 64, Adam 3e-3 for
// the network and the centers) on the wasm backend with @hvcm/backbones' training kernels, then
// class x group Gaussians fitted on the training attributes. Held-out: the first 1000 test digits.

const TRAIN = 12000;
const TEST = 1000;
const EPOCHS = 3;
const BATCH = 64;
const M = 16;
const d = 8;

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

describe('HVCM on an MNIST subset (integration)', () => {
  it('training lowers the loss; cosine classifier and HVCM score work on held-out digits', async () => {
    const train = await loadMnist({ split: 'train' });
    const test = await loadMnist({ split: 'test' });
    const images = (ds: typeof train, start: number, n: number) =>
      tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(ds.images.subarray(start * 784, (start + n) * 784)), [n, 28, 28, 1]), 255) as tf.Tensor4D);
    const net = createTinyConvNet({ seed: 5, name: 'integration' });
    const backbone = net.forward;
    const head = new HvcmHead({ inputDim: net.featureDim, numGroups: M, groupDim: d, bottleneckDim: 64, seed: 2 });
    const loss = new HvcmLoss({ numClasses: 10, numGroups: M, groupDim: d, seed: 3 });
    const step = {
      features: backbone,
      head,
      loss,
      networkVariables: [...net.variables, ...head.variables],
      optimizer: tf.train.adam(3e-3),
      centerOptimizer: tf.train.adam(3e-3),
    };
    const before = tf.memory().numTensors;
    const epochLoss: number[] = [];
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      let sum = 0;
      let steps = 0;
      for (let start = 0; start + BATCH <= TRAIN; start += BATCH) {
        const x = images(train, start, BATCH);
        sum += (await hvcmTrainStep(step, x, train.labels.slice(start, start + BATCH))).loss;
        x.dispose();
        steps++;
      }
      epochLoss.push(sum / steps);
    }
    // optimizer slots (Adam moments) are the only tensors a step may add
    const slots = 2 * (step.networkVariables.length + 1);
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(slots + 4);
    expect(epochLoss[EPOCHS - 1]!).toBeLessThan(0.5 * epochLoss[0]!);

    const attributes = (ds: typeof train, n: number) => tf.tidy(() => head.apply(backbone(images(ds, 0, n))).attributes);
    const scorer = new HvcmScorer({
      numGroups: M,
      groupDim: d,
      classGroupWeights: loss.classGroupWeights,
      centers: (await loss.centers.data()) as Float32Array,
    });
    const trainAttributes = attributes(train, TRAIN);
    await scorer.fit(trainAttributes, train.labels.slice(0, TRAIN));
    trainAttributes.dispose();
    const testAttributes = attributes(test, TEST);
    const predicted = await scorer.classify(testAttributes);
    const { nearestClass } = await scorer.scoreDetailed(testAttributes, { nearestClass: true });
    testAttributes.dispose();
    let cosineHits = 0;
    let gaussianHits = 0;
    for (let i = 0; i < TEST; i++) {
      cosineHits += predicted[i] === test.labels[i] ? 1 : 0;
      gaussianHits += nearestClass![i] === test.labels[i] ? 1 : 0;
    }
    console.log(
      `integration: epoch losses ${epochLoss.map((v) => v.toFixed(4)).join(' ')}; cosine accuracy ${cosineHits / TEST}; ` +
        `Gaussian nearest-class accuracy ${gaussianHits / TEST}; ${scorer.ridgeReport?.blocksWithRidge} ridged blocks`,
    );
    // Measured with these seeds on wasm (deterministic): cosine 0.962, Gaussian nearest class 0.966.
    // Before the cosine classifier removed each group's mean it got 0.957 here and fell with more
    // training (6000 digits 0.942, 20000 digits 0.926); see the package README.
    expect(cosineHits / TEST).toBeGreaterThan(0.95);
    expect(gaussianHits / TEST).toBeGreaterThan(0.95);
    scorer.dispose();
    head.dispose();
    loss.dispose();
    net.dispose();
  });
});
