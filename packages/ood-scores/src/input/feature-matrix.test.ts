import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, NonFiniteInputError, ShapeMismatchError } from '@hvcm/metrics';
import { useCpuBackend } from '../testing/test-support';
import { toFeatureMatrix, validateLabels } from './feature-matrix';

beforeAll(useCpuBackend);

describe('toFeatureMatrix', () => {
  it('wraps a typed array in a float32 tensor and keeps the original values', async () => {
    const data = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const before = tf.memory().numTensors;
    const matrix = await toFeatureMatrix({ data, shape: [2, 3] });
    expect([matrix.rows, matrix.columns]).toEqual([2, 3]);
    expect(Array.from(await matrix.tensor.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await matrix.values()).toBe(data);
    matrix.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('uses a caller tensor as is and never disposes it', async () => {
    const tensor = tf.tensor2d([[1, 2], [3, 4]]);
    const matrix = await toFeatureMatrix(tensor, { columns: 2 });
    expect(matrix.tensor).toBe(tensor);
    matrix.dispose();
    expect(tensor.isDisposed).toBe(false);
    tensor.dispose();
  });

  it('names the first non-finite value by flat index, row and column', async () => {
    const data = Float32Array.from([0, 1, 2, Number.NaN, 4, Number.POSITIVE_INFINITY]);
    await expect(toFeatureMatrix({ data, shape: [3, 2] })).rejects.toThrow(/flat index 3 \(row 1, column 1\)/);
    const tensor = tf.tensor2d([[0, 1], [Number.POSITIVE_INFINITY, 2]]);
    const before = tf.memory().numTensors;
    const error = await toFeatureMatrix(tensor).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteInputError);
    expect((error as NonFiniteInputError).index).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    tensor.dispose();
  });

  it('rejects wrong shapes and widths', async () => {
    await expect(toFeatureMatrix({ data: new Float32Array(5), shape: [2, 3] })).rejects.toThrow(ShapeMismatchError);
    await expect(toFeatureMatrix({ data: new Float32Array(6), shape: [2, 3] }, { columns: 4 })).rejects.toThrow(/4 columns/);
    const rank1 = tf.tensor1d([1, 2]);
    await expect(toFeatureMatrix(rank1 as unknown as tf.Tensor2D)).rejects.toThrow(ShapeMismatchError);
    rank1.dispose();
    await expect(toFeatureMatrix({ data: new Float32Array(0), shape: [0, 3] })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('validateLabels', () => {
  it('returns the number of classes', () => {
    expect(validateLabels(Int32Array.from([0, 2, 1, 2]), 4)).toBe(3);
  });
  it('rejects missing classes, negative labels and wrong lengths', () => {
    expect(() => validateLabels(Int32Array.from([0, 2]), 2)).toThrow(/class 1 has no sample/);
    expect(() => validateLabels(Int32Array.from([0, -1]), 2)).toThrow(InvalidArgumentError);
    expect(() => validateLabels(Int32Array.from([0, 1]), 3)).toThrow(ShapeMismatchError);
    expect(() => validateLabels(undefined, 3)).toThrow(/needs labels/);
  });
});
