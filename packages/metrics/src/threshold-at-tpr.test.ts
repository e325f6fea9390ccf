import { describe, expect, it } from 'vitest';
import { thresholdAtTpr, acceptedCount } from './threshold-at-tpr';
import { fprAtTpr } from './fpr-at-tpr';
import { mulberry32, normalScores } from './fixtures/random';
import { InvalidArgumentError } from './errors/invalid-argument-error';
import { NonFiniteInputError } from './errors/non-finite-input-error';

describe('thresholdAtTpr', () => {
  it('accepts the target fraction of ID scores (hand-computed)', () => {
    const id = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
    // 95 % of 20 = 19 accepted: scores >= 2.
    expect(thresholdAtTpr(id, 0.95)).toBe(2);
    expect(thresholdAtTpr(id, 1)).toBe(1);
    expect(thresholdAtTpr(id, 0.5)).toBe(11);
    // 0.51 * 20 = 10.2 -> 11 accepted: scores >= 10.
    expect(thresholdAtTpr(id, 0.51)).toBe(10);
  });

  it('defaults to 95 % and accepts at least the target with ties', () => {
    const id = [1, 2, 2, 2, 3];
    expect(thresholdAtTpr(id)).toBe(1);
    expect(thresholdAtTpr(id, 0.5)).toBe(2); // accepts 4 of 5
  });

  it('is the threshold of the first-crossing FPR (ID positive)', () => {
    const rand = mulberry32(9);
    const id = normalScores(rand, 333, 1, 1);
    const ood = normalScores(rand, 211, 0, 1);
    for (const t of [0.2, 0.5, 0.9, 0.95, 1]) {
      const tau = thresholdAtTpr(id, t);
      const accepted = ood.filter((s) => s >= tau).length / ood.length;
      expect(fprAtTpr(id, ood, { targetTpr: t })).toBe(accepted);
      expect(id.filter((s) => s >= tau).length / id.length).toBeGreaterThanOrEqual(t);
    }
  });

  it('computes the smallest accepted count despite floating point', () => {
    expect(acceptedCount(100, 0.95)).toBe(95);
    expect(acceptedCount(3, 1 / 3)).toBe(1);
    expect(acceptedCount(7, 1)).toBe(7);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => thresholdAtTpr([], 0.9)).toThrow(InvalidArgumentError);
    expect(() => thresholdAtTpr([1, 2], 1.5)).toThrow('thresholdAtTpr: expected targetTpr in (0, 1], got 1.5.');
    expect(() => thresholdAtTpr([1, Number.NaN], 0.9)).toThrow(NonFiniteInputError);
  });
});
