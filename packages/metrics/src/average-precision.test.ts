import { describe, expect, it } from 'vitest';
import { auprIn, auprOut } from './average-precision';
import { sklearnCases } from './fixtures/sklearn-cases';

describe('auprIn / auprOut', () => {
  it('are 1 for perfect separation', () => {
    expect(auprIn([3, 4], [0, 1, 2])).toBe(1);
    expect(auprOut([3, 4], [0, 1, 2])).toBe(1);
  });

  it('equal the positive fraction when every score is tied', () => {
    // One threshold: precision = positives / all, recall jumps 0 -> 1.
    expect(auprIn([1, 1, 1], [1])).toBeCloseTo(3 / 4, 15);
    expect(auprOut([1, 1, 1], [1])).toBeCloseTo(1 / 4, 15);
  });

  it('match a hand-computed average precision', () => {
    // ID scores 0.9, 0.4; OOD 0.6. Descending: 0.9 (ID: P=1, R=1/2), 0.6 (OOD), 0.4 (ID: P=2/3, R=1).
    // AP-In = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    expect(auprIn([0.9, 0.4], [0.6])).toBeCloseTo(5 / 6, 15);
    // OOD positive on -score: 0.4 (ID), 0.6 (OOD: P=1/2, R=1) -> 1/2.
    expect(auprOut([0.9, 0.4], [0.6])).toBeCloseTo(1 / 2, 15);
  });

  it('match scikit-learn average_precision_score to 1e-12', () => {
    for (const c of sklearnCases) {
      expect(auprIn(c.id, c.ood), c.name).toBeCloseTo(c.auprIn, 12);
      expect(auprOut(c.id, c.ood), c.name).toBeCloseTo(c.auprOut, 12);
    }
  });
});
