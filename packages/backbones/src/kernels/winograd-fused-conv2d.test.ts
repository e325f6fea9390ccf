import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../gradients/register-wasm-training-kernels';
import { createBackbone } from '../registry';
import type { Pads } from './winograd-conv2d';
import {
  registerWinogradFusedConv2D,
  unregisterWinogradFusedConv2D,
  winogradFusedConv2DPlan,
  winogradFusedConv2DRegistered,
} from './winograd-fused-conv2d';
import { relativeError, values } from '../test-support/compare';

type Activation = 'linear' | 'relu' | 'elu' | 'relu6' | 'sigmoid' | 'prelu' | 'leakyrelu';

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  pads: Pads;
  bias: boolean;
  activation: Activation;
}

const pads = (top: number, bottom: number, left: number, right: number): Pads => ({ top, bottom, left, right });

/** tf.fused.conv2d of the case on the active backend; the bias is shifted so ReLU clips about half the outputs. */
function fusedConv(c: Case): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(c.n * c.h * c.w * c.ci, 1), [c.n, c.h, c.w, c.ci]);
    const filter = tf.tensor4d(values(9 * c.ci * c.co, 2), [3, 3, c.ci, c.co]);
    const bias = c.bias ? tf.tensor1d(values(c.co, 3)) : undefined;
    const y = tf.fused.conv2d({
      x,
      filter,
      strides: 1,
      pad: [
        [0, 0],
        [c.pads.top, c.pads.bottom],
        [c.pads.left, c.pads.right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      bias,
      activation: c.activation,
      preluActivationWeights: c.activation === 'prelu' ? tf.fill([c.co], 0.25) : undefined,
      leakyreluAlpha: c.activation === 'leakyrelu' ? 0.1 : undefined,
    });
    return y.dataSync() as Float32Array;
  });
}

/** The plan the registered kernel makes for the case (undefined: XNNPACK). */
function planFor(c: Case): ReturnType<typeof winogradFusedConv2DPlan> {
  const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: 'float32' });
  const attrs = {
    strides: 1,
    pad: [
      [0, 0],
      [c.pads.top, c.pads.bottom],
      [c.pads.left, c.pads.right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: 1,
    activation: c.activation,
  } as unknown as tf.FusedConv2DAttrs;
  return winogradFusedConv2DPlan(
    {
      x: info([c.n, c.h, c.w, c.ci]),
      filter: info([3, 3, c.ci, c.co]),
      bias: c.bias ? info([c.co]) : undefined,
      preluActivationWeights: c.activation === 'prelu' ? info([c.co]) : undefined,
    },
    attrs,
  );
}

/** Runs the case on cpu and on wasm (registered kernel), checks the plan, leaks and the 1e-4 error bound. */
async function check(c: Case, tile: 0 | 2 | 4): Promise<void> {
  expect(planFor(c)?.tile ?? 0).toBe(tile);
  await tf.setBackend('cpu');
  const cpu = fusedConv(c);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const wasm = fusedConv(c);
  expect(tf.memory().numTensors).toBe(before);
  expect(relativeError(wasm, cpu)).toBeLessThan(1e-4);
}

// Odd sizes, channel counts off multiples of 4 and 8, paddings 0..2; `tile`: the variant the dispatch picks.
const shapes: (Omit<Case, 'bias' | 'activation'> & { tile: 2 | 4 })[] = [
  { n: 2, h: 9, w: 7, ci: 5, co: 6, pads: pads(1, 1, 1, 1), tile: 2 },
  { n: 4, h: 12, w: 13, ci: 5, co: 7, pads: pads(1, 1, 1, 1), tile: 4 },
  { n: 3, h: 8, w: 6, ci: 9, co: 13, pads: pads(2, 1, 0, 2), tile: 2 },
  { n: 2, h: 15, w: 17, ci: 7, co: 3, pads: pads(0, 2, 2, 1), tile: 4 },
  { n: 4, h: 14, w: 13, ci: 6, co: 10, pads: pads(0, 0, 0, 0), tile: 4 },
  { n: 3, h: 9, w: 11, ci: 16, co: 16, pads: pads(2, 2, 2, 2), tile: 4 },
];

describe('FusedConv2D via Winograd on wasm', () => {
  beforeAll(async () => {
    await tf.ready();
    registerWasmTrainingKernels();
    expect(registerWinogradFusedConv2D()).toBe(true);
    expect(registerWinogradFusedConv2D()).toBe(true); // idempotent
  });
  afterAll(() => {
    unregisterWinogradFusedConv2D();
    unregisterWasmTrainingKernels();
  });

  it.each(
    shapes.flatMap((s) =>
      [
        { bias: true, activation: 'relu' as const },
        { bias: true, activation: 'linear' as const },
        { bias: false, activation: 'relu' as const },
        { bias: false, activation: 'linear' as const },
      ].map((e) => ({ ...s, ...e })),
    ),
  )('matches cpu tf.fused.conv2d: %o', async ({ tile, ...c }) => {
    await check(c, tile);
  });

  it.each(['elu', 'relu6', 'sigmoid', 'prelu', 'leakyrelu'] as const)('activation %s falls back to XNNPACK and matches cpu', async (activation) => {
    await check({ n: 4, h: 12, w: 13, ci: 5, co: 7, pads: pads(1, 1, 1, 1), bias: true, activation }, 0);
  });

  it('other shapes fall back: stride 2, 1x1, a bias that is not [Co]', async () => {
    const c: Case = { n: 4, h: 12, w: 13, ci: 5, co: 7, pads: pads(1, 1, 1, 1), bias: true, activation: 'relu' };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'relu' } as unknown as tf.FusedConv2DAttrs;
    const info = (shape: number[]): tf.TensorInfo => ({ dataId: {}, shape, dtype: 'float32' });
    const inputs = { x: info([4, 12, 13, 5]), filter: info([3, 3, 5, 7]), bias: info([7]) };
    expect(winogradFusedConv2DPlan(inputs, attrs)?.tile).toBe(4);
    expect(winogradFusedConv2DPlan(inputs, { ...attrs, strides: 2 })).toBeUndefined();
    expect(winogradFusedConv2DPlan({ ...inputs, filter: info([1, 1, 5, 7]) }, attrs)).toBeUndefined();
    expect(winogradFusedConv2DPlan({ ...inputs, bias: info([1]) }, attrs)).toBeUndefined();
    expect(winogradFusedConv2DPlan({ ...inputs, bias: { ...info([7]), dtype: 'int32' } }, attrs)).toBeUndefined();
    await check({ ...c, n: 1, h: 3, w: 3 }, 0); // too few tiles
  });

  it('small-resnet inference forward (BatchNorm folded) on wasm matches cpu', async () => {
    await tf.setBackend('cpu');
    const net = createBackbone('small-resnet', { numClasses: 5, seed: 7 });
    // Move the BatchNorm statistics off 0 / 1 so that folding changes the filters and biases.
    for (const [name, v] of net.buffers) {
      const base = tf.tensor(values(v.size, name.length + 5), v.shape);
      v.assign(name.includes('var') ? tf.add(tf.abs(base), 0.5) : tf.mul(base, 0.3));
      tf.dispose(base);
    }
    const x = tf.tensor4d(values(16 * 28 * 28, 9), [16, 28, 28, 1]);
    const forward = (): { features: Float32Array; logits: Float32Array } =>
      tf.tidy(() => {
        const out = net.forward(x, { training: false });
        return { features: out.features.dataSync() as Float32Array, logits: out.logits!.dataSync() as Float32Array };
      });
    const cpu = forward();
    await tf.setBackend('wasm');
    forward(); // folds (and caches) the filters
    const before = tf.memory().numTensors;
    const wasm = forward();
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(wasm.features, cpu.features)).toBeLessThan(1e-4);
    expect(relativeError(wasm.logits, cpu.logits)).toBeLessThan(1e-4);
    tf.dispose(x);
    net.dispose();
  });

  it('unregister restores the original FusedConv2D, and the cpu backend is untouched', () => {
    unregisterWinogradFusedConv2D();
    const original = tf.getKernel(tf.FusedConv2D, 'wasm');
    const cpuKernel = tf.getKernel(tf.FusedConv2D, 'cpu');
    registerWinogradFusedConv2D();
    expect(winogradFusedConv2DRegistered()).toBe(true);
    expect(tf.getKernel(tf.FusedConv2D, 'wasm')).not.toBe(original);
    expect(tf.getKernel(tf.FusedConv2D, 'wasm')?.setupFunc).toBe(original?.setupFunc);
    expect(tf.getKernel(tf.FusedConv2D, 'cpu')).toBe(cpuKernel);
    unregisterWinogradFusedConv2D();
    unregisterWinogradFusedConv2D(); // idempotent
    expect(winogradFusedConv2DRegistered()).toBe(false);
    expect(tf.getKernel(tf.FusedConv2D, 'wasm')).toBe(original);
    registerWinogradFusedConv2D();
  });
});
