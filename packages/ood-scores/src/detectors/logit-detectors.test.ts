import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, auroc } from '@hvcm/metrics';
import { linearLogits, makeSynthetic, useCpuBackend } from '../testing/test-support';
import { MspDetector } from './msp';
import { MaxLogitDetector } from './max-logit';
import { EnergyDetector } from './energy';
import { GenDetector } from './gen';
import { detectorFromJSON } from '../registry/registry';

beforeAll(useCpuBackend);

// Hand case: logits [0, ln 3] give softmax [1/4, 3/4]; logits [2, 2, 2] give [1/3, 1/3, 1/3].
const LN3 = Math.log(3);
const logits = { data: Float32Array.from([0, LN3, 5, 5]), shape: [2, 2] as [number, number] };

describe('logit detectors: hand-computed cases', () => {
  it('MSP is the largest softmax probability', async () => {
    const scores = await new MspDetector().score(logits);
    expect(scores[0]).toBeCloseTo(0.75, 6);
    expect(scores[1]).toBeCloseTo(0.5, 6);
  });

  it('MaxLogit is the largest logit', async () => {
    const scores = await new MaxLogitDetector().score(logits);
    expect(scores[0]).toBeCloseTo(LN3, 6);
    expect(scores[1]).toBeCloseTo(5, 6);
  });

  it('Energy is T logsumexp(logits / T)', async () => {
    const one = await new EnergyDetector().score(logits);
    expect(one[0]).toBeCloseTo(Math.log(4), 6); // log(1 + 3)
    expect(one[1]).toBeCloseTo(5 + Math.log(2), 5);
    const two = await new EnergyDetector({ temperature: 2 }).score(logits);
    expect(two[0]).toBeCloseTo(2 * Math.log(1 + Math.sqrt(3)), 6);
  });

  it('GEN is minus the generalized entropy of the top-M probabilities', async () => {
    const all = await new GenDetector({ gamma: 0.1 }).score(logits);
    expect(all[0]).toBeCloseTo(-2 * 0.1875 ** 0.1, 5); // (1/4 * 3/4)^0.1 twice
    expect(all[1]).toBeCloseTo(-2 * 0.25 ** 0.1, 5);
    // Top-1 of [0.1, 0.2, 0.7] (logits are log-probabilities): 0.7^0.5 * 0.3^0.5.
    const three = { data: Float32Array.from([Math.log(0.1), Math.log(0.2), Math.log(0.7)]), shape: [1, 3] as [number, number] };
    const top1 = await new GenDetector({ gamma: 0.5, topM: 1 }).score(three);
    expect(top1[0]).toBeCloseTo(-Math.sqrt(0.21), 5);
  });

  it('rejects bad options', () => {
    expect(() => new EnergyDetector({ temperature: 0 })).toThrow(InvalidArgumentError);
    expect(() => new GenDetector({ topM: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('logit detectors: direction, serialisation, leaks', () => {
  const data = makeSynthetic({ d: 16, classes: 4, nTest: 200, seed: 3 });
  const idLogits = linearLogits(data.idFeatures, data.d, data.weight, data.bias);
  const oodLogits = linearLogits(data.oodFeatures, data.d, data.weight, data.bias);
  const shape = [data.nTest, data.classes] as [number, number];
  const detectors = () => [new MspDetector(), new MaxLogitDetector(), new EnergyDetector(), new GenDetector({ topM: 4 })];

  it('scores ID above OOD (AUROC > 0.99) on synthetic data', async () => {
    for (const detector of detectors()) {
      const id = await detector.score({ data: idLogits, shape });
      const ood = await detector.score({ data: oodLogits, shape });
      expect(auroc(id, ood), detector.kind).toBeGreaterThan(0.99);
    }
  });

  it('round-trips through JSON with identical scores and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    for (const detector of detectors()) {
      await detector.fit({ data: idLogits, shape });
      const scores = await detector.score({ data: oodLogits, shape });
      const copy = detectorFromJSON(JSON.parse(JSON.stringify(detector.toJSON())));
      expect(copy.kind).toBe(detector.kind);
      expect(Array.from(await copy.score({ data: oodLogits, shape }))).toEqual(Array.from(scores));
      detector.dispose();
      copy.dispose();
      await expect(detector.score({ data: oodLogits, shape })).rejects.toThrow(/disposed/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
