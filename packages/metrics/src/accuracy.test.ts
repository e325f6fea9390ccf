import { describe, expect, it } from 'vitest';
import { accuracy } from './accuracy';
import { ShapeMismatchError } from './errors/shape-mismatch-error';
import { InvalidArgumentError } from './errors/invalid-argument-error';

describe('accuracy', () => {
  it('is the fraction of equal labels', () => {
    expect(accuracy(Int32Array.from([0, 1, 2, 2]), Int32Array.from([0, 1, 1, 2]))).toBe(0.75);
    expect(accuracy([1], [1])).toBe(1);
  });

  it('rejects mismatched lengths and empty input', () => {
    expect(() => accuracy([1, 2], [1])).toThrow(ShapeMismatchError);
    expect(() => accuracy([1, 2], [1])).toThrow('got 2 predictions and 1 labels');
    expect(() => accuracy([], [])).toThrow(InvalidArgumentError);
  });
});
