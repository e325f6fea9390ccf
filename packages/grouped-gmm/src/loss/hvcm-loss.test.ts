import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { HvcmLoss } from './hvcm-loss';
import { HvcmHead } from '../head/hvcm-head';
import { updateClassGroupWeights } from './class-group-weights';
import { stopGradient } from './stop-gradient';
import type { HvcmDivergence } from './divergence';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Small case: n 3, K 2, M 2, d 3. Reference values from /usr/bin/python3 with NumPy (float64):
// P = softmax(C[y]), Q = softmax(a) per group; kl-pair kx = alpha KL(P||Q), kc = beta KL(Q||P);
// js kx = alpha JS(P,Q), kc = beta JS(P,Q) (mixture m = (P+Q)/2); l2 kx = alpha |Q-P|^2, kc = beta |Q-P|^2;
// L_weight = mean(kx * softmax(g)), L_pair = mean(clip(kx + kc, 1e-5, 1e5)); alpha 0.7, beta 0.3.
const A = [[0.5, -1.0, 2.0, 0.1, 0.2, -0.3], [1.5, 0.0, -0.5, -2.0, 1.0, 0.5], [0.0, 0.3, 0.6, 0.9, -1.2, 1.5]];
const C = [[[0.2, 0.4, -0.1], [1.0, -1.0, 0.0]], [[-0.5, 0.5, 1.5], [0.3, 0.3, -0.9]]];
const G = [[0.1, -0.4], [1.2, 0.3], [-0.7, 0.8]];
const Y = Int32Array.from([1, 0, 1]);
const REFERENCE: Record<HvcmDivergence, [number, number, number]> = {
  'kl-pair': [0.20175726990701204, 0.5423169840857587, 0.7440742539927707],
  js: [0.03901641033601706, 0.10853692821244776, 0.1475533385484648],
  l2: [0.08866688434869067, 0.2484276435373809, 0.3370945278860716],
};

function smallLoss(divergence: HvcmDivergence): HvcmLoss {
  const loss = new HvcmLoss({ numClasses: 2, numGroups: 2, groupDim: 3, alpha: 0.7, beta: 0.3, divergence });
  tf.tidy(() => loss.centers.assign(tf.tensor3d(C)));
  return loss;
}

/** Max |g| of a gradient, 0 when the variable got none. */
function maxAbs(g: tf.Tensor | undefined): number {
  if (g === undefined) return 0;
  return tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!);
}

describe('stopGradient', () => {
  it('passes values and blocks the gradient', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const [gx] = tf.grads((t: tf.Tensor) => tf.add(tf.sum(tf.square(stopGradient(t))), tf.sum(t)))([x]);
    expect(Array.from(gx!.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(tf.tidy(() => stopGradient(x)).dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, gx!]);
  });
});

describe('HvcmLoss values', () => {
  for (const divergence of ['kl-pair', 'js', 'l2'] as const) {
    it(`${divergence} equals the NumPy reference`, () => {
      const loss = smallLoss(divergence);
      const before = tf.memory().numTensors;
      const [w, p, total] = tf.tidy(() => {
        const terms = loss.compute(tf.tensor2d(A), tf.tensor2d(G), Y);
        return [terms.weightTerm.dataSync()[0]!, terms.pairTerm.dataSync()[0]!, terms.loss.dataSync()[0]!];
      });
      expect(tf.memory().numTensors).toBe(before);
      const [rw, rp, rt] = REFERENCE[divergence];
      expect(w).toBeCloseTo(rw, 5);
      expect(p).toBeCloseTo(rp, 5);
      expect(total).toBeCloseTo(rt, 5);
      loss.dispose();
    });
  }

  it('clamps the pair term at 1e-5 when attributes equal the centers (zero gradient there)', () => {
    const loss = smallLoss('kl-pair');
    const a = tf.variable(tf.reshape(tf.gather(tf.tensor3d(C), tf.tensor1d(Y, 'int32')), [3, 6]) as tf.Tensor2D);
    const { value, grads } = tf.variableGrads(() => loss.compute(a, tf.zeros([3, 2]), Y).pairTerm, [a, loss.centers]);
    expect(value.dataSync()[0]).toBeCloseTo(1e-5, 10);
    expect(maxAbs(grads[a.name])).toBe(0);
    tf.dispose([a, value, ...Object.values(grads)]);
    loss.dispose();
  });
});

describe('HvcmLoss gradient routing', () => {
  for (const divergence of ['kl-pair', 'js', 'l2'] as const) {
    it(`${divergence}: kx moves only features, kc only centers, weight term only group logits`, () => {
      const loss = smallLoss(divergence);
      const a = tf.variable(tf.tensor2d(A), true, `a-${divergence}`);
      const g = tf.variable(tf.tensor2d(G), true, `g-${divergence}`);
      const vars = [a, g, loss.centers];
      const grad = (f: () => tf.Scalar) => {
        const { value, grads } = tf.variableGrads(f, vars);
        const out = { a: maxAbs(grads[a.name]), g: maxAbs(grads[g.name]), c: maxAbs(grads[loss.centers.name]) };
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      };
      // a tiny extra term keeps every variable on the tape so each gets a (possibly zero) gradient
      const touch = () => tf.mul(tf.add(tf.add(tf.sum(a), tf.sum(g)), tf.sum(loss.centers)), 0);
      const kx = grad(() => tf.add(tf.sum(loss.pairTerms(a, Y).kx), touch()) as tf.Scalar);
      expect(kx.a).toBeGreaterThan(1e-4);
      expect(kx.c).toBe(0);
      expect(kx.g).toBe(0);
      const kc = grad(() => tf.add(tf.sum(loss.pairTerms(a, Y).kc), touch()) as tf.Scalar);
      expect(kc.c).toBeGreaterThan(1e-4);
      expect(kc.a).toBe(0);
      expect(kc.g).toBe(0);
      const weight = grad(() => tf.add(loss.compute(a, g, Y).weightTerm, touch()) as tf.Scalar);
      expect(weight.g).toBeGreaterThan(1e-4);
      expect(weight.a).toBe(0);
      expect(weight.c).toBe(0);
      const pair = grad(() => tf.add(loss.compute(a, g, Y).pairTerm, touch()) as tf.Scalar);
      expect(pair.a).toBeGreaterThan(1e-4);
      expect(pair.c).toBeGreaterThan(1e-4);
      expect(pair.g).toBe(0);
      tf.dispose([a, g]);
      loss.dispose();
    });
  }

  for (const detach of [false, true]) {
    it(`through the head (detachGroupWeightInput ${detach}): the weight term never reaches the attribute layer`, () => {
      const head = new HvcmHead({ inputDim: 5, numGroups: 2, groupDim: 3, bottleneckDim: 4, hiddenDims: [6], seed: 3, detachGroupWeightInput: detach });
      const loss = smallLoss('kl-pair');
      const z = tf.randomNormal([3, 5], 0, 1, 'float32', 9) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const { attributes, groupLogits } = head.apply(z);
        return loss.compute(attributes, groupLogits, Y).weightTerm;
      }, [...head.variables, loss.centers]);
      const groupWeightNames = new Set(head.groupWeightVariables.map((v) => v.name));
      for (const v of head.variables) {
        if (groupWeightNames.has(v.name)) expect(maxAbs(grads[v.name])).toBeGreaterThan(1e-6);
        else if (v.name === head.attributeDirection.name || detach) expect(maxAbs(grads[v.name])).toBe(0);
        // as released (g = U u): the weight term also reaches the MLP through u
        else expect(maxAbs(grads[v.name])).toBeGreaterThan(0);
      }
      expect(maxAbs(grads[loss.centers.name])).toBe(0);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(z);
      head.dispose();
      loss.dispose();
    });
  }
});

describe('class group weights EMA', () => {
  it('updates each class in the batch exactly and leaves the others', () => {
    const W = Float64Array.from([0.5, 0.5, 0.25, 0.75, 0.9, 0.1]);
    const probs = Float64Array.from([0.2, 0.8, 0.6, 0.4, 0.3, 0.7]);
    const labels = Int32Array.from([2, 0, 2]);
    const gamma = 0.25;
    expect(updateClassGroupWeights(W, 3, 2, probs, labels, gamma)).toBe(2);
    // class 0: one sample [0.6, 0.4]; class 2: mean of [0.2, 0.8] and [0.3, 0.7] = [0.25, 0.75]
    expect(Array.from(W)).toEqual([
      0.25 * 0.6 + 0.75 * 0.5, 0.25 * 0.4 + 0.75 * 0.5,
      0.25, 0.75,
      0.25 * ((0.2 + 0.3) / 2) + 0.75 * 0.9, 0.25 * ((0.8 + 0.7) / 2) + 0.75 * 0.1,
    ]);
  });

  it('HvcmLoss.updateClassGroupWeights uses softmax(g) of the step', async () => {
    const loss = new HvcmLoss({ numClasses: 2, numGroups: 2, groupDim: 3, gamma: 0.5 });
    const before = Array.from(loss.classGroupWeights);
    const rows = before.length;
    expect(rows).toBe(4);
    expect(before[0]! + before[1]!).toBeCloseTo(1, 6);
    const g = tf.tensor2d([[0, Math.log(3)]]);
    await loss.updateClassGroupWeights(g, Int32Array.from([1]));
    expect(loss.classGroupWeights[0]).toBe(before[0]);
    expect(loss.classGroupWeights[2]).toBeCloseTo(0.5 * 0.25 + 0.5 * before[2]!, 7);
    expect(loss.classGroupWeights[3]).toBeCloseTo(0.5 * 0.75 + 0.5 * before[3]!, 7);
    g.dispose();
    loss.dispose();
  });
});
