import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './register-wasm-training-kernels';
import { relativeError, values } from '../test-support/compare';

async function onBackend<T>(name: string, f: () => Promise<T>): Promise<T> {
  await tf.setBackend(name);
  return f();
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  /** 'same' / 'valid', or explicit symmetric padding (PyTorch's `padding=1`, as the ResNets use). */
  pad: 'same' | 'valid' | number;
}

/** Gradients of sum(conv(x, W) * g) with respect to x and W (a fixed random g makes dy non-uniform). */
async function convGradients(c: ConvCase): Promise<{ dx: Float32Array; dw: Float32Array; count: number }> {
  const before = tf.memory().numTensors;
  const x = tf.tensor4d(values(c.n * c.h * c.w * c.cin, 1), [c.n, c.h, c.w, c.cin]);
  const w = tf.tensor4d(values(c.k * c.k * c.cin * c.cout, 2), [c.k, c.k, c.cin, c.cout]);
  const probe = tf.conv2d(x, w, c.stride, c.pad);
  const outShape = probe.shape;
  probe.dispose();
  const g = tf.tensor(values(outShape.reduce((a, b) => a * b, 1), 3), outShape);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), g)),
  )([x, w]);
  const out = { dx: (await dx!.data()) as Float32Array, dw: (await dw!.data()) as Float32Array };
  tf.dispose([x, w, g, dx!, dw!]);
  tf.disposeVariables();
  return { ...out, count: tf.memory().numTensors - before };
}

/**
 * Gradients of sum(batchNorm(x) * g) for NHWC `x` [n, h, w, c]: with batch statistics from `moments`
 * (training mode: the gradient also flows through mean and variance), and with fixed statistics
 * given as inputs (checks dMean and dVariance of `FusedBatchNorm` directly).
 */
async function batchNormGradients(shape: [number, number, number, number]): Promise<Float32Array[]> {
  const c = shape[3];
  const size = shape.reduce((a, b) => a * b, 1);
  const x = tf.tidy(() => tf.add(tf.mul(tf.tensor4d(values(size, 4), shape), 3), 0.5) as tf.Tensor4D);
  const scale = tf.tensor1d(values(c, 5));
  const offset = tf.tensor1d(values(c, 6));
  const mean = tf.tensor1d(values(c, 7));
  const variance = tf.tidy(() => tf.add(tf.abs(tf.tensor1d(values(c, 8))), 0.5) as tf.Tensor1D);
  const g = tf.tensor4d(values(size, 9), shape);
  const training = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
    const m = tf.moments(a, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm4d(a as tf.Tensor4D, m.mean as tf.Tensor1D, m.variance as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-5), g));
  })([x, scale, offset]);
  const fixed = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
    tf.sum(tf.mul(tf.batchNorm4d(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3), g)),
  )([x, mean, variance, scale, offset]);
  const out = await Promise.all([...training, ...fixed].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, scale, offset, mean, variance, g, ...training, ...fixed]);
  return out;
}

const cases: ConvCase[] = [];
for (const stride of [1, 2]) {
  for (const pad of ['same', 'valid'] as const) {
    for (const k of [1, 3]) {
      // Odd and even spatial sizes, odd channel counts, and a stem (one input channel).
      cases.push({ n: 3, h: 9, w: 7, cin: 5, cout: 3, k, stride, pad });
      cases.push({ n: 2, h: 8, w: 10, cin: 3, cout: 7, k, stride, pad });
      cases.push({ n: 2, h: 7, w: 9, cin: 1, cout: 8, k, stride, pad });
      // An expansion (cin >= 16, x smaller than dy): at stride 1 the filter gradient packs x
      // (filterAsInput in conv2d-backprop-filter.ts).
      cases.push({ n: 2, h: 5, w: 3, cin: 16, cout: 24, k, stride, pad });
    }
  }
  // Explicit padding 1 on even and odd sizes (the ResNets' 3x3 convolutions, strided or not).
  cases.push({ n: 2, h: 8, w: 6, cin: 4, cout: 6, k: 3, stride, pad: 1 });
  cases.push({ n: 2, h: 7, w: 9, cin: 4, cout: 6, k: 3, stride, pad: 1 });
}

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await tf.ready();
    registerWasmTrainingKernels();
  });
  afterAll(() => unregisterWasmTrainingKernels());

  it.each(cases)('conv2d gradients match cpu: %o', async (c) => {
    const cpu = await onBackend('cpu', () => convGradients(c));
    const wasm = await onBackend('wasm', () => convGradients(c));
    expect(relativeError(wasm.dx, cpu.dx)).toBeLessThan(1e-4);
    expect(relativeError(wasm.dw, cpu.dw)).toBeLessThan(1e-4);
    expect(wasm.count).toBe(0);
  });

  it.each([
    [[4, 5, 3, 6]],
    [[3, 7, 7, 5]],
  ] as [number, number, number, number][][])('batchNorm gradients match cpu: %o', async (shape) => {
    const cpu = await onBackend('cpu', () => batchNormGradients(shape));
    const before = tf.memory().numTensors;
    const wasm = await onBackend('wasm', () => batchNormGradients(shape));
    expect(tf.memory().numTensors).toBe(before);
    expect(wasm).toHaveLength(8);
    for (let i = 0; i < cpu.length; i++) expect(relativeError(wasm[i]!, cpu[i]!)).toBeLessThan(1e-4);
  });

  it('registering for wasm leaves the cpu backend bit-identical', async () => {
    const c: ConvCase = { n: 2, h: 7, w: 7, cin: 3, cout: 4, k: 3, stride: 2, pad: 'same' };
    unregisterWasmTrainingKernels();
    const cpuFilterKernel = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
    const cpuInputKernel = tf.getKernel(tf.Conv2DBackpropInput, 'cpu');
    const convBefore = await onBackend('cpu', () => convGradients(c));
    const bnBefore = await onBackend('cpu', () => batchNormGradients([2, 3, 3, 4]));
    registerWasmTrainingKernels();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')).toBe(cpuFilterKernel);
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'cpu')).toBe(cpuInputKernel);
    const convAfter = await onBackend('cpu', () => convGradients(c));
    const bnAfter = await onBackend('cpu', () => batchNormGradients([2, 3, 3, 4]));
    expect(convAfter.dx).toEqual(convBefore.dx);
    expect(convAfter.dw).toEqual(convBefore.dw);
    expect(bnAfter).toEqual(bnBefore);
  });

  it('Conv2DBackpropFilter is registered for wasm and the cpu kernels are untouched', () => {
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')).toBeDefined();
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'cpu')!.kernelFunc.name).not.toMatch(/ViaConv/);
  });
});
