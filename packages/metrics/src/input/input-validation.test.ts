import { describe, expect, it } from 'vitest';
import { auroc } from '../auroc';
import { evaluateOod } from '../evaluate-ood';
import { NonFiniteInputError } from '../errors/non-finite-input-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { ShapeMismatchError } from '../errors/shape-mismatch-error';
import { HvcmError } from '../errors/hvcm-error';

describe('metric input validation', () => {
  it('names the first non-finite score, its array and its value', () => {
    const ood = [0.1, 0.2, Number.NaN, Infinity];
    let error: unknown;
    try {
      auroc([1, 2], ood);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteInputError);
    expect(error).toBeInstanceOf(HvcmError);
    const e = error as NonFiniteInputError;
    expect(e.code).toBe('NON_FINITE_INPUT');
    expect(e.index).toBe(2);
    expect(e.message).toBe('auroc: expected finite scores, got ood[2] = NaN. Remove or replace non-finite scores before computing metrics.');
    expect(() => auroc({ scores: [1, -Infinity], isOod: [false, true] })).toThrow('got scores[1] = -Infinity');
  });

  it('rejects empty and one-sided input', () => {
    expect(() => auroc([], [1])).toThrow(InvalidArgumentError);
    expect(() => auroc([1, 2], [])).toThrow('auroc: needs at least one in-distribution and one OOD score, got 2 ID and 0 OOD scores.');
    expect(() => evaluateOod({ scores: [1, 2], isOod: [1, 1] })).toThrow('got 0 ID and 2 OOD scores');
  });

  it('rejects mismatched scores and isOod lengths', () => {
    expect(() => auroc({ scores: [1, 2, 3], isOod: [true, false] })).toThrow(ShapeMismatchError);
    expect(() => auroc({ scores: [1, 2, 3], isOod: [true, false] })).toThrow('got 3 scores and 2 isOod flags');
  });

  it('rejects arguments of the wrong type', () => {
    expect(() => auroc('abc' as never, [1] as never)).toThrow(InvalidArgumentError);
    expect(() => auroc({ scores: 'x' } as never)).toThrow('expected (idScores, oodScores) or ({ scores, isOod })');
  });
});
