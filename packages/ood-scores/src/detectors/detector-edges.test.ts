import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, NonFiniteInputError } from '@hvcm/metrics';
import { useCpuBackend } from '../testing/test-support';
import { createDetector, detectorFromJSON } from '../registry/registry';
import { percentile } from '../statistics/percentile';
import { MahalanobisDetector } from './mahalanobis';
import { KnnDetector } from './knn';
import { VimDetector, defaultVimDim } from './vim';

beforeAll(useCpuBackend);

const rows = (data: number[], n: number, d: number) => ({ data: Float32Array.from(data), shape: [n, d] as [number, number] });

describe('edge cases shared by the detectors', () => {
  it('a failed fit leaks no tensor and leaves the detector unfitted', async () => {
    const before = tf.memory().numTensors;
    const mahalanobis = new MahalanobisDetector();
    await expect(mahalanobis.fit(rows([0, 1, Number.NaN, 3], 2, 2), Int32Array.from([0, 0]))).rejects.toThrow(NonFiniteInputError);
    expect(mahalanobis.fitted).toBe(false);
    const eye = { weight: rows([1, 0, 0, 1], 2, 2), bias: new Float32Array(2) };
    const vim = new VimDetector({ linear: eye, dim: 2 });
    await expect(vim.fit(rows([0, 1, 2, 3, 4, 5], 3, 2))).rejects.toThrow(/dim .* must be < d = 2/);
    expect(vim.fitted).toBe(false);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fromJSON rejects a corrupt or foreign payload with a clear error', async () => {
    const detector = await new KnnDetector({ k: 1 }).fit(rows([1, 0, 0, 1], 2, 2));
    const json = detector.toJSON();
    expect(json).toMatchObject({ kind: 'knn', version: 1, k: 1, rows: 2, dimension: 2 });
    expect(() => KnnDetector.fromJSON({ ...json, bank: [1, 0, 0] })).toThrow(/"bank" must have 4 numbers/);
    expect(() => KnnDetector.fromJSON({ ...json, kind: 'msp' })).toThrow(/expected kind "knn"/);
    expect(() => detectorFromJSON('knn')).toThrow(InvalidArgumentError);
    detector.dispose();
    expect(() => detector.toJSON()).toThrow(/disposed/);
  });

  it('createDetector returns the registered class with its options', () => {
    const knn = createDetector('knn', { k: 3 });
    expect(knn).toBeInstanceOf(KnnDetector);
    expect(knn.k).toBe(3);
    expect(() => createDetector('vim')).toThrow(/final linear layer/);
  });

  it('ViM default principal dimension follows the paper / OpenOOD', () => {
    expect(defaultVimDim(2048)).toBe(1000);
    expect(defaultVimDim(768)).toBe(512);
    expect(defaultVimDim(512)).toBe(256);
    expect(defaultVimDim(3)).toBe(1);
  });

  it('percentile matches numpy.percentile (linear interpolation)', () => {
    // /usr/bin/python3 -c "import numpy as np; print(np.percentile([3,1,4,1,5,9,2,6],[0,25,50,90,100]).tolist())"
    const values = Float64Array.from([3, 1, 4, 1, 5, 9, 2, 6]);
    const expected = [1.0, 1.75, 3.5, 6.8999999999999995, 9.0];
    [0, 25, 50, 90, 100].forEach((p, i) => expect(percentile(values, p)).toBeCloseTo(expected[i]!, 12));
    expect(() => percentile(values, 101)).toThrow(InvalidArgumentError);
  });
});
