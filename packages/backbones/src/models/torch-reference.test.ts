import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';

import { createBackbone } from '../registry';
import type { Backbone, BackboneOptions } from './backbone';

// Logits of the same networks in PyTorch 1.13 (torchvision's ResNet code with small widths, float64,
// eval mode), every parameter and buffer filled by the formula below. Produced by
// `/usr/bin/python3 packages/backbones/scripts/torch-reference.py` (needs Debian's python3-torch).
const EXPECTED: Record<string, number[]> = {
  'resnet18-tiny': [-0.0057377, -0.513125, -0.1917427, -0.0059024, -0.5125112, -0.1914666],
  'resnet50-tiny': [-0.1128674, -0.2886282, -0.4264314, -0.1249552, -0.284251, -0.4061603],
  'small-resnet-tiny': [-0.4649851, 0.2740708, -0.3118575, -0.458613, 0.2689363, -0.3081292],
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function seedOf(name: string): number {
  let s = 0;
  for (let i = 0; i < name.length; i++) s += name.charCodeAt(i) * (i + 1);
  return s % 997;
}

/** The script's `fill(name, shape)`: values in PyTorch's layout and index order. */
function fill(name: string, torchShape: number[]): Float32Array {
  const n = torchShape.reduce((a, b) => a * b, 1);
  const k = seedOf(name);
  const fanIn = torchShape.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const s = Math.sin(t * 0.37 + k * 0.013);
    if (name.endsWith('running_var')) out[t] = 1 + 0.5 * Math.abs(s);
    else if (name.endsWith('running_mean') || name.endsWith('bias')) out[t] = 0.1 * s;
    else if (torchShape.length === 1) out[t] = 1 + 0.2 * s;
    else out[t] = s / Math.sqrt(fanIn);
  }
  return out;
}

/** Sets every variable from the formula, converting PyTorch layouts to TensorFlow's. */
function fillBackbone(net: Backbone): void {
  for (const [name, v] of [...net.parameters, ...net.buffers]) {
    tf.tidy(() => {
      if (v.rank === 4) {
        const [kh, kw, cin, cout] = v.shape as number[];
        const torch = tf.tensor4d(fill(name, [cout!, cin!, kh!, kw!]), [cout!, cin!, kh!, kw!]);
        v.assign(tf.transpose(torch, [2, 3, 1, 0]));
      } else if (v.rank === 2) {
        const [e, c] = v.shape as number[];
        v.assign(tf.transpose(tf.tensor2d(fill(name, [c!, e!]), [c!, e!])));
      } else {
        v.assign(tf.tensor1d(fill(name, [v.shape[0]!])));
      }
    });
  }
}

const CASES: [string, string, BackboneOptions, [number, number, number, number]][] = [
  ['resnet18-tiny', 'resnet18', { widths: [2, 4, 4, 4], blocksPerStage: [1, 1, 1, 1] }, [2, 37, 37, 3]],
  ['resnet50-tiny', 'resnet50', { widths: [2, 2, 4, 4], blocksPerStage: [1, 2, 1, 1] }, [2, 32, 32, 3]],
  ['small-resnet-tiny', 'small-resnet', { widths: [4, 8, 8], blocksPerStage: [2, 1, 1] }, [2, 13, 13, 1]],
];

describe('inference matches PyTorch (torchvision ResNet code) on the same weights', () => {
  it.each(CASES)('%s', (key, name, options, shape) => {
    const net = createBackbone(name, { ...options, numClasses: 3 });
    fillBackbone(net);
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(Float32Array.from({ length: size }, (_, t) => Math.sin(t * 0.11)), shape);
    const { features, logits } = net.forward(x);
    const got = Array.from(logits!.dataSync());
    const expected = EXPECTED[key]!;
    const scale = Math.max(...expected.map(Math.abs));
    expect(got.length).toBe(expected.length);
    got.forEach((v, i) => expect(Math.abs(v - expected[i]!) / scale).toBeLessThan(1e-4));
    tf.dispose([x, features, logits!]);
    net.dispose();
  });
});
