import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients/register-core-gradients';
import { conv2dBackpropFilterViaConv } from '../gradients/conv2d-backprop-filter';
import { chunkPlan, convFilterGradient, type ChunkPlan, type FilterGradientGeometry } from './conv-filter-gradient';
import { convFilterGradientWinograd, winogradChunkPlan, type WinogradChunkPlan } from './conv-filter-gradient-winograd';
import { fastestFilterGradient } from './conv-filter-gradient-dispatch';
import { relativeError, values } from '../test-support/compare';

type Pad = 'same' | 'valid' | [[number, number], [number, number]];

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pad: Pad;
}

function tfPad(pad: Pad): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  return typeof pad === 'string' ? pad : [[0, 0], pad[0], pad[1], [0, 0]];
}

/** dy of the convolution (fixed random values) and dW of sum(conv(x, W) * dy) from the cpu backend's gradient. */
function cpuReference(c: Case): { x: Float32Array; dy: Float32Array; dyShape: number[]; dw: Float32Array } {
  tf.setBackend('cpu');
  return tf.tidy(() => {
    const xs = values(c.n * c.h * c.w * c.ci, 11);
    const x = tf.tensor4d(xs, [c.n, c.h, c.w, c.ci]);
    const w = tf.tensor4d(values(c.kh * c.kw * c.ci * c.co, 12), [c.kh, c.kw, c.ci, c.co]);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.stride, tfPad(c.pad));
    const dyShape = conv(x, w).shape;
    const dy = tf.tensor(values(dyShape.reduce((a, b) => a * b, 1), 13), dyShape);
    const [dw] = tf.grads((b: tf.Tensor) => tf.sum(tf.mul(conv(x, b as tf.Tensor4D), dy)))([w]);
    return { x: xs, dy: dy.dataSync() as Float32Array, dyShape, dw: dw!.dataSync() as Float32Array };
  });
}

/** dW from a SIMD kernel through the Conv2DBackpropFilter kernelFunc (forced), on wasm. */
function simdGradient(
  c: Case,
  ref: { x: Float32Array; dy: Float32Array; dyShape: number[] },
  path: 'simd' | 'winograd' | 'xnnpack' = 'simd',
): Float32Array {
  tf.setBackend('wasm');
  const x = tf.tensor4d(ref.x, [c.n, c.h, c.w, c.ci]);
  const dy = tf.tensor(ref.dy, ref.dyShape);
  const kernel = conv2dBackpropFilterViaConv('wasm', path);
  const attrs = { strides: c.stride, pad: tfPad(c.pad), dataFormat: 'NHWC', filterShape: [c.kh, c.kw, c.ci, c.co] };
  const out = kernel({ inputs: { x, dy }, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap });
  const dw = tf.engine().makeTensorFromTensorInfo(out);
  expect(dw.shape).toEqual([c.kh, c.kw, c.ci, c.co]);
  const data = dw.dataSync() as Float32Array;
  tf.dispose([x, dy, dw]);
  return data;
}

const cases: Case[] = [];
for (const s of [1, 2]) {
  for (const k of [1, 3, 7]) {
    for (const pad of ['same', 'valid'] as const) {
      cases.push({ n: 2, h: 9, w: 8, ci: 5, co: 7, kh: k, kw: k, stride: [s, s], pad });
      cases.push({ n: 3, h: 7, w: 11, ci: 1, co: 13, kh: k, kw: k, stride: [s, s], pad });
    }
  }
  // torchvision's explicit padding on the small-resnet shapes (reduced batch) and odd sizes.
  cases.push({ n: 2, h: 8, w: 8, ci: 16, co: 16, kh: 3, kw: 3, stride: [s, s], pad: [[1, 1], [1, 1]] });
  cases.push({ n: 2, h: 7, w: 7, ci: 32, co: 64, kh: 3, kw: 3, stride: [s, s], pad: [[1, 1], [1, 1]] });
  cases.push({ n: 3, h: 5, w: 9, ci: 3, co: 20, kh: 7, kw: 7, stride: [s, s], pad: [[3, 3], [3, 3]] });
  cases.push({ n: 2, h: 6, w: 5, ci: 6, co: 12, kh: 3, kw: 3, stride: [s, s], pad: [[2, 0], [0, 1]] });
}
// Unequal strides and a non-square kernel; a stem (1 input channel); Co of 1, 4 and 9.
cases.push({ n: 2, h: 9, w: 10, ci: 4, co: 9, kh: 3, kw: 3, stride: [1, 2], pad: 'same' });
cases.push({ n: 2, h: 10, w: 9, ci: 7, co: 4, kh: 1, kw: 3, stride: [2, 1], pad: [[0, 0], [1, 1]] });
cases.push({ n: 4, h: 12, w: 12, ci: 1, co: 16, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] });
cases.push({ n: 2, h: 6, w: 6, ci: 9, co: 1, kh: 3, kw: 3, stride: [1, 1], pad: 'valid' });
// Padding wider than the kernel (kernel columns that see only zeros) and a 7x7 over 4 channels.
cases.push({ n: 2, h: 7, w: 8, ci: 8, co: 8, kh: 3, kw: 3, stride: [2, 2], pad: [[3, 1], [4, 2]] });
cases.push({ n: 2, h: 9, w: 9, ci: 4, co: 16, kh: 7, kw: 7, stride: [2, 2], pad: [[3, 3], [3, 3]] });

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.setBackend('cpu');
});

describe('SIMD Conv2DBackpropFilter kernel vs the cpu backend', () => {
  it.each(cases.map((c) => [describeCase(c), c] as const))('%s', (_, c) => {
    const ref = cpuReference(c);
    const before = tf.memory();
    const dw = simdGradient(c, ref);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(relativeError(dw, ref.dw)).toBeLessThan(1e-4);
  });

  it('gives the same dW for any split of the pixels into chunks (ragged, whole images, single rows)', () => {
    const c: Case = { n: 5, h: 11, w: 9, ci: 6, co: 12, kh: 3, kw: 3, stride: [2, 2], pad: [[1, 1], [1, 1]] };
    const ref = cpuReference(c);
    tf.setBackend('wasm');
    const x = tf.tensor4d(ref.x, [c.n, c.h, c.w, c.ci]);
    const dy = tf.tensor(ref.dy, ref.dyShape);
    const g: FilterGradientGeometry = { n: 5, h: 11, w: 9, ci: 6, ho: 6, wo: 5, co: 12, kh: 3, kw: 3, sh: 2, sw: 2, top: 1, left: 1 };
    const plans: ChunkPlan[] = [
      { rowsPerChunk: 1, imagesPerChunk: 1 },
      { rowsPerChunk: 4, imagesPerChunk: 1 },
      { rowsPerChunk: 6, imagesPerChunk: 2 },
      { rowsPerChunk: 6, imagesPerChunk: 5 },
      chunkPlan(g, 1024, 1),
    ];
    const before = tf.memory().numTensors;
    for (const plan of plans) {
      const dw = tf.engine().makeTensorFromTensorInfo(convFilterGradient(tf.backend(), x, dy, g, plan));
      expect(relativeError(dw.dataSync() as Float32Array, ref.dw)).toBeLessThan(1e-4);
      dw.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });

  it('an empty batch gives a zero dW (both kernels)', () => {
    tf.setBackend('wasm');
    const c: Case = { n: 0, h: 8, w: 8, ci: 4, co: 8, kh: 3, kw: 3, stride: [1, 1], pad: 'same' };
    const ref = { x: new Float32Array(0), dy: new Float32Array(0), dyShape: [0, 8, 8, 8] };
    for (const path of ['simd', 'winograd'] as const) {
      const dw = simdGradient(c, ref, path);
      expect(dw.length).toBe(3 * 3 * 4 * 8);
      expect(dw.every((v) => v === 0)).toBe(true);
    }
  });

  it('a hand-computed 1x1 case: dW[c, o] = sum over pixels of x[c] * dy[o]', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 3, 2]); // pixels (1, 2), (3, 4), (5, 6)
    const dy = tf.tensor4d([1, 0, 0, 1, 2, -1], [1, 1, 3, 2]);
    const g: FilterGradientGeometry = { n: 1, h: 1, w: 3, ci: 2, ho: 1, wo: 3, co: 2, kh: 1, kw: 1, sh: 1, sw: 1, top: 0, left: 0 };
    const dw = tf.engine().makeTensorFromTensorInfo(convFilterGradient(tf.backend(), x, dy, g));
    // c0: 1*[1,0] + 3*[0,1] + 5*[2,-1] = [11, -2]; c1: 2*[1,0] + 4*[0,1] + 6*[2,-1] = [14, -2].
    expect(Array.from(dw.dataSync())).toEqual([11, -2, 14, -2]);
    tf.dispose([x, dy, dw]);
  });

  it('rejects shapes that do not match the geometry, naming the op', () => {
    tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    const g: FilterGradientGeometry = { n: 1, h: 4, w: 4, ci: 2, ho: 4, wo: 4, co: 4, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, left: 1 };
    expect(() => convFilterGradient(tf.backend(), x, dy, g)).toThrow(/convFilterGradient expects x \[1, 4, 4, 2\] and dy \[1, 4, 4, 4\]/);
    tf.dispose([x, dy]);
  });
});

// Winograd F(2x2, 3x3): 3x3 stride 1, Ci and Co multiples of 4; odd sizes (partial edge tiles),
// every padding kind, Co % 8 == 4, the small-resnet layers at reduced batch.
const winogradCases: Case[] = [
  { n: 2, h: 8, w: 8, ci: 16, co: 16, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] },
  { n: 2, h: 7, w: 7, ci: 32, co: 32, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] },
  { n: 1, h: 7, w: 7, ci: 64, co: 64, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] },
  { n: 3, h: 9, w: 6, ci: 4, co: 12, kh: 3, kw: 3, stride: [1, 1], pad: 'same' },
  { n: 2, h: 9, w: 11, ci: 8, co: 4, kh: 3, kw: 3, stride: [1, 1], pad: 'valid' },
  { n: 2, h: 6, w: 7, ci: 4, co: 20, kh: 3, kw: 3, stride: [1, 1], pad: [[2, 0], [0, 3]] },
  { n: 2, h: 3, w: 3, ci: 8, co: 8, kh: 3, kw: 3, stride: [1, 1], pad: 'valid' },
];

describe('Winograd Conv2DBackpropFilter kernel vs the cpu backend', () => {
  it.each(winogradCases.map((c) => [describeCase(c), c] as const))('%s', (_, c) => {
    const ref = cpuReference(c);
    const before = tf.memory();
    const dw = simdGradient(c, ref, 'winograd');
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(relativeError(dw, ref.dw)).toBeLessThan(1e-4);
  });

  it('gives the same dW for any split of the tiles into chunks', () => {
    const c: Case = { n: 3, h: 11, w: 9, ci: 8, co: 12, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] };
    const ref = cpuReference(c);
    tf.setBackend('wasm');
    const x = tf.tensor4d(ref.x, [c.n, c.h, c.w, c.ci]);
    const dy = tf.tensor(ref.dy, ref.dyShape);
    const g: FilterGradientGeometry = { n: 3, h: 11, w: 9, ci: 8, ho: 11, wo: 9, co: 12, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, left: 1 };
    const plans: WinogradChunkPlan[] = [
      { tileRowsPerChunk: 1, imagesPerChunk: 1 },
      { tileRowsPerChunk: 4, imagesPerChunk: 1 },
      { tileRowsPerChunk: 6, imagesPerChunk: 2 },
      winogradChunkPlan(g, 7),
    ];
    const before = tf.memory().numTensors;
    for (const plan of plans) {
      const dw = tf.engine().makeTensorFromTensorInfo(convFilterGradientWinograd(tf.backend(), x, dy, g, plan));
      expect(relativeError(dw.dataSync() as Float32Array, ref.dw)).toBeLessThan(1e-4);
      dw.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });

  it('refuses shapes it does not compute, naming them', () => {
    tf.setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]);
    const dy = tf.zeros([1, 4, 4, 4]);
    const g: FilterGradientGeometry = { n: 1, h: 4, w: 4, ci: 2, ho: 4, wo: 4, co: 4, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, left: 1 };
    expect(() => convFilterGradientWinograd(tf.backend(), x, dy, g)).toThrow(/3x3 stride-1 kernel with ci, co multiples of 4, got 3x3 stride 1x1, ci 2, co 4/);
    tf.dispose([x, dy]);
  });
});

describe('dispatch by shape', () => {
  const layer = (size: number, ci: number, co: number, k: number, s: number): FilterGradientGeometry => {
    const pad = Math.floor(k / 2);
    const out = Math.floor((size + 2 * pad - k) / s) + 1;
    return { n: 128, h: size, w: size, ci, ho: out, wo: out, co, kh: k, kw: k, sh: s, sw: s, top: pad, left: pad };
  };

  it('Winograd for 3x3 stride-1 layers from 7x7 with channels in fours, the direct kernel otherwise', () => {
    expect(fastestFilterGradient(layer(28, 16, 16, 3, 1))).toBe('winograd');
    expect(fastestFilterGradient(layer(14, 32, 32, 3, 1))).toBe('winograd');
    expect(fastestFilterGradient(layer(7, 64, 64, 3, 1))).toBe('winograd');
    expect(fastestFilterGradient(layer(28, 1, 16, 3, 1))).toBe('direct'); // stem: Ci 1
    expect(fastestFilterGradient(layer(28, 16, 32, 3, 2))).toBe('direct'); // stride 2
    expect(fastestFilterGradient(layer(28, 16, 32, 1, 2))).toBe('direct'); // 1x1 shortcut
    expect(fastestFilterGradient(layer(5, 64, 64, 3, 1))).toBe('direct'); // 3x3 tiles waste too much
  });
});

describe('the XNNPACK fallback (no kernel module) vs the cpu backend', () => {
  const fallbackCases = [cases[2]!, cases[9]!, cases[14]!, cases[27]!, winogradCases[0]!, winogradCases[3]!];
  it.each(fallbackCases.map((c) => [describeCase(c), c] as const))('%s', (_, c) => {
    const ref = cpuReference(c);
    const before = tf.memory().numTensors;
    const dw = simdGradient(c, ref, 'xnnpack');
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(dw, ref.dw)).toBeLessThan(1e-4);
  });
});

function describeCase(c: Case): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad);
  return `x [${c.n}, ${c.h}, ${c.w}, ${c.ci}] ${c.kh}x${c.kw} -> ${c.co}, stride ${c.stride.join('x')}, pad ${pad}`;
}
