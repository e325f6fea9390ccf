import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../gradients/register-wasm-training-kernels';
import { winogradChoice, winogradConv3x3, type Pads, type WinogradTile } from './winograd-conv2d';
import {
  registerWinogradConv2D,
  unregisterWinogradConv2D,
  winogradConv2DPlan,
  winogradConv2DRegistered,
} from './winograd-conv2d-kernel';
import { relativeError, values } from '../test-support/compare';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  pads: Pads;
}

const explicit = (p: Pads): tf.backend_util.ExplicitPadding => [
  [0, 0],
  [p.top, p.bottom],
  [p.left, p.right],
  [0, 0],
];

/** Forward output and input gradient of sum(conv(x, W) * g) on the active backend (tfjs's own kernels). */
async function reference(c: Case, stride = 1, pad: 'same' | tf.backend_util.ExplicitPadding = explicit(c.pads)): Promise<{ y: Float32Array; dx: Float32Array; dw: Float32Array }> {
  const x = tf.tensor4d(values(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(values(9 * c.ci * c.co, 2), [3, 3, c.ci, c.co]);
  const y = tf.conv2d(x, w, stride, pad);
  const g = tf.tensor(values(y.size, 3), y.shape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), g)))([x, w]);
  const out = {
    y: (await y.data()) as Float32Array,
    dx: (await (dx as tf.Tensor).data()) as Float32Array,
    dw: (await (dw as tf.Tensor).data()) as Float32Array,
  };
  tf.dispose([x, w, y, g, dx as tf.Tensor, dw as tf.Tensor]);
  return out;
}

/** The Winograd kernel called directly on wasm: forward conv, and the input gradient as a flipped conv of g. */
function winograd(c: Case, tile: WinogradTile): { y: Float32Array; dx: Float32Array } {
  const backend = tf.backend();
  const x = tf.tensor4d(values(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
  const w = tf.tensor4d(values(9 * c.ci * c.co, 2), [3, 3, c.ci, c.co]);
  const ho = c.h + c.pads.top + c.pads.bottom - 2;
  const wo = c.w + c.pads.left + c.pads.right - 2;
  const g = tf.tensor4d(values(c.n * ho * wo * c.co, 3), [c.n, ho, wo, c.co]);
  const y = tf.engine().makeTensorFromTensorInfo(winogradConv3x3(backend, x, w, c.pads, 'forward', tile));
  const flipped = { top: 2 - c.pads.top, bottom: 2 - c.pads.bottom, left: 2 - c.pads.left, right: 2 - c.pads.right };
  const dx = tf.engine().makeTensorFromTensorInfo(winogradConv3x3(backend, g, w, flipped, 'flipped', tile));
  expect(y.shape).toEqual([c.n, ho, wo, c.co]);
  expect(dx.shape).toEqual([c.n, c.h, c.w, c.ci]);
  const out = { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  tf.dispose([x, w, g, y, dx]);
  return out;
}

const pads = (top: number, bottom: number, left: number, right: number): Pads => ({ top, bottom, left, right });

// Odd sizes, channel counts off multiples of 4 and 8, every padding 0..2 on some side, batch 1 and
// > 1, and enough tiles for several blocks with a ragged last one (16 channels: 64 tiles a block).
const direct: Case[] = [
  { n: 2, h: 7, w: 9, ci: 5, co: 3, pads: pads(1, 1, 1, 1) },
  { n: 2, h: 7, w: 9, ci: 5, co: 3, pads: pads(0, 0, 0, 0) },
  { n: 1, h: 6, w: 5, ci: 9, co: 13, pads: pads(2, 2, 2, 2) },
  { n: 3, h: 5, w: 8, ci: 1, co: 1, pads: pads(0, 2, 1, 0) },
  { n: 1, h: 4, w: 3, ci: 6, co: 10, pads: pads(2, 0, 0, 1) },
  { n: 2, h: 13, w: 11, ci: 16, co: 16, pads: pads(1, 1, 1, 1) },
  { n: 3, h: 9, w: 10, ci: 10, co: 6, pads: pads(1, 2, 2, 1) },
  { n: 2, h: 3, w: 3, ci: 7, co: 9, pads: pads(0, 0, 0, 0) },
];

describe('Winograd F(2x2, 3x3) convolution on wasm', () => {
  beforeAll(async () => {
    await tf.ready();
    registerWasmTrainingKernels();
  });
  afterAll(() => {
    unregisterWinogradConv2D();
    unregisterWasmTrainingKernels();
  });

  it.each(direct.flatMap((c) => [2, 4].map((tile) => ({ ...c, tile: tile as WinogradTile }))))(
    'kernel matches cpu conv2d and its input gradient: %o',
    async (c) => {
      await tf.setBackend('cpu');
      const cpu = await reference(c);
      await tf.setBackend('wasm');
      const before = tf.memory().numTensors;
      const wasm = winograd(c, c.tile);
      expect(tf.memory().numTensors).toBe(before);
      expect(relativeError(wasm.y, cpu.y)).toBeLessThan(1e-4);
      expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
    },
  );

  it.each([2, 4] as const)('a hand-computed case: 3x3 ones over a 4x4 ramp, padding 1, F(%i x %i, 3x3)', async (tile) => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const w = tf.ones([3, 3, 1, 1]);
    const y = tf.engine().makeTensorFromTensorInfo(winogradConv3x3(tf.backend(), x, w, pads(1, 1, 1, 1), 'forward', tile));
    // Sums of each pixel's 3x3 neighbourhood (zeros outside); F(4x4)'s 1/6, 1/24 constants round.
    const expected = [10, 18, 24, 18, 27, 45, 54, 39, 51, 81, 90, 63, 42, 66, 72, 50];
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    tf.dispose([x, w, y]);
  });

  it('rejects a filter that does not fit and padding outside 0..2', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 4]);
    const w = tf.zeros([3, 3, 3, 2]);
    const w4 = tf.zeros([3, 3, 4, 2]);
    expect(() => winogradConv3x3(tf.backend(), x, w, pads(1, 1, 1, 1))).toThrow(/\[3, 3, 4, Co\]/);
    expect(() => winogradConv3x3(tf.backend(), x, w4, pads(3, 1, 1, 1))).toThrow(/top must be 0..2/);
    tf.dispose([x, w, w4]);
  });

  it('dispatch: small-resnet layers go to F(4x4); tiny images to F(2x2); few channels, 1x1 and strides to XNNPACK', () => {
    expect(winogradChoice(64, 28, 28, 16, 16)).toBe(4);
    expect(winogradChoice(64, 7, 7, 64, 64)).toBe(4);
    expect(winogradChoice(128, 28, 28, 3, 16)).toBe(4);
    expect(winogradChoice(64, 2, 2, 64, 64)).toBe(2);
    expect(winogradChoice(64, 5, 5, 64, 64)).toBe(2);
    expect(winogradChoice(128, 28, 28, 1, 16)).toBe(0);
    expect(winogradChoice(1, 7, 7, 64, 64)).toBe(0);
    expect(winogradChoice(8, 7, 7, 512, 512)).toBe(0);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as unknown as tf.Conv2DAttrs;
    const x = { dataId: {}, shape: [64, 14, 14, 32], dtype: 'float32' } as tf.TensorInfo;
    const filter = (k: number): tf.TensorInfo => ({ dataId: {}, shape: [k, k, 32, 32], dtype: 'float32' });
    expect(winogradConv2DPlan(x, filter(3), attrs)).toEqual({ pads: pads(1, 1, 1, 1), tile: 4 });
    expect(winogradConv2DPlan(x, filter(1), attrs)).toBeUndefined();
    expect(winogradConv2DPlan(x, filter(3), { ...attrs, strides: 2 })).toBeUndefined();
    expect(winogradConv2DPlan(x, filter(3), { ...attrs, dilations: 2 })).toBeUndefined();
    expect(winogradConv2DPlan({ ...x, dtype: 'int32' }, filter(3), attrs)).toBeUndefined();
  });

  // `forward` / `input`: the variant `winogradChoice` picks for the forward pass / the input gradient.
  it.each([
    { n: 2, h: 9, w: 7, ci: 8, co: 12, pads: pads(1, 1, 1, 1), forward: 2, input: 2 },
    { n: 4, h: 12, w: 13, ci: 5, co: 6, pads: pads(1, 1, 1, 1), forward: 4, input: 4 },
    { n: 3, h: 8, w: 6, ci: 9, co: 8, pads: pads(2, 1, 0, 2), forward: 2, input: 2 },
    { n: 2, h: 15, w: 17, ci: 7, co: 3, pads: pads(0, 2, 2, 1), forward: 4, input: 4 },
  ])('registered: conv2d, its input and filter gradients on wasm match cpu: %o', async (c) => {
    await tf.setBackend('cpu');
    const cpu = await reference(c);
    await tf.setBackend('wasm');
    expect(registerWinogradConv2D()).toBe(true);
    expect(registerWinogradConv2D()).toBe(true); // idempotent
    expect(winogradChoice(c.n, c.h + c.pads.top + c.pads.bottom - 2, c.w + c.pads.left + c.pads.right - 2, c.ci, c.co)).toBe(c.forward);
    expect(winogradChoice(c.n, c.h, c.w, c.co, c.ci)).toBe(c.input);
    const before = tf.memory().numTensors;
    const wasm = await reference(c);
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(wasm.y, cpu.y)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThan(1e-4);
  });

  // Stride 2: the input gradient's phase convolution (2x2 combined kernel, zero-extended to 3x3).
  it.each([
    { c: { n: 8, h: 16, w: 16, ci: 8, co: 6, pads: pads(1, 1, 1, 1) }, pad: explicit(pads(1, 1, 1, 1)), tile: 4 },
    { c: { n: 4, h: 14, w: 18, ci: 5, co: 7, pads: pads(0, 1, 0, 1) }, pad: 'same' as const, tile: 2 },
  ])('stride 2: the input gradient via Winograd on wasm matches cpu: %o', async ({ c, pad, tile }) => {
    // The phase grid: dy [n, h/2, w/2, co] -> [n, h/2, w/2, 4 ci].
    expect(winogradChoice(c.n, c.h / 2, c.w / 2, c.co, 4 * c.ci)).toBe(tile);
    await tf.setBackend('cpu');
    const cpu = await reference(c, 2, pad);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = await reference(c, 2, pad);
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThan(1e-4);
  });

  it('unregister restores the original Conv2D, and the cpu backend is untouched', async () => {
    unregisterWinogradConv2D();
    const original = tf.getKernel(tf.Conv2D, 'wasm');
    const cpuConv = tf.getKernel(tf.Conv2D, 'cpu');
    registerWinogradConv2D();
    expect(winogradConv2DRegistered()).toBe(true);
    expect(tf.getKernel(tf.Conv2D, 'wasm')).not.toBe(original);
    expect(tf.getKernel(tf.Conv2D, 'wasm')?.setupFunc).toBe(original?.setupFunc);
    expect(tf.getKernel(tf.Conv2D, 'cpu')).toBe(cpuConv);
    unregisterWinogradConv2D();
    unregisterWinogradConv2D(); // idempotent
    expect(winogradConv2DRegistered()).toBe(false);
    expect(tf.getKernel(tf.Conv2D, 'wasm')).toBe(original);
  });
});
