import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapOffset, kernelModulePath, kernelsFor, newerKernelSource, withScratch } from './kernel-module';

describe('wasm kernel module', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('exists after the build and instantiates on the backend heap, once per backend', () => {
    expect(kernelModulePath()).toMatch(/backbones[\\/]build[\\/]kernels\.wasm$/);
    const backend = tf.backend();
    expect(kernelsFor(backend)).toBe(kernelsFor(backend));
  });

  it('reads and writes tensors in place: column sums of a 3 x 4 matrix', () => {
    const backend = tf.backend();
    const x = tf.tensor2d([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12.5],
    ]);
    const before = tf.memory().numTensors;
    const out = (backend as unknown as { makeOutput(s: number[], d: string): tf.TensorInfo }).makeOutput([4], 'float32');
    kernelsFor(backend).columnSums!(heapOffset(backend, x), 3, 4, heapOffset(backend, out));
    const sums = tf.engine().makeTensorFromTensorInfo(out);
    expect(Array.from(sums.dataSync())).toEqual([15, 18, 21, 24.5]);
    sums.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before - 1);
  });

  it('scratch memory is 16-byte aligned and released', () => {
    const backend = tf.backend();
    const a = withScratch(backend, 1000, (p) => p);
    const b = withScratch(backend, 1000, (p) => p);
    expect(a % 16).toBe(0);
    expect(b).toBe(a);
  });

  it('a module older than a kernel source is stale; without sources (a published package) it never is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvcm-kernels-'));
    try {
      mkdirSync(join(dir, 'build'));
      const wasm = join(dir, 'build', 'kernels.wasm');
      writeFileSync(wasm, '');
      expect(newerKernelSource(wasm)).toBeUndefined();
      mkdirSync(join(dir, 'assembly'));
      const source = join(dir, 'assembly', 'a.ts');
      writeFileSync(source, '');
      utimesSync(wasm, 1000, 1000);
      utimesSync(source, 2000, 2000);
      expect(newerKernelSource(wasm)).toBe(source);
      utimesSync(wasm, 3000, 3000);
      expect(newerKernelSource(wasm)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
