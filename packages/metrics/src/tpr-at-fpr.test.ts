import { describe, expect, it } from 'vitest';
import { tprAtFpr } from './tpr-at-fpr';
import { InvalidArgumentError } from './errors/invalid-argument-error';

describe('tprAtFpr', () => {
  // ID 4,3,2,1 ; OOD 2.5, 0. ID-positive ROC vertices: (fpr, tpr) = (0, 0), (0, 1/4), (0, 2/4),
  // (1/2, 2/4), (1/2, 3/4), (1/2, 1), (1, 1).
  const id = [4, 3, 2, 1];
  const ood = [2.5, 0];

  it('reads the last vertex within the target FPR (first-crossing)', () => {
    expect(tprAtFpr(id, ood, { targetFpr: 0 })).toBe(0.5);
    expect(tprAtFpr(id, ood, { targetFpr: 0.25 })).toBe(0.5);
    expect(tprAtFpr(id, ood, { targetFpr: 0.5 })).toBe(1);
    expect(tprAtFpr(id, ood, { targetFpr: 1 })).toBe(1);
  });

  it('interpolates along the ROC polyline', () => {
    // Between (0, 1/2) and (1/2, 1/2) the polyline is flat: 0.5 at fpr 0.25.
    expect(tprAtFpr(id, ood, { targetFpr: 0.25, mode: 'interpolated' })).toBeCloseTo(0.5, 15);
    // All tied: one diagonal segment, tpr = fpr.
    expect(tprAtFpr([1, 1, 1], [1, 1], { targetFpr: 0.4, mode: 'interpolated' })).toBeCloseTo(0.4, 15);
    expect(tprAtFpr([1, 1, 1], [1, 1], { targetFpr: 0.4 })).toBe(0);
  });

  it('supports the OOD-positive convention', () => {
    // OOD positive (called OOD when score <= t): 0 -> (fpr 0, tpr 1/2), 1 -> (1/4, 1/2), 2 -> (2/4, 1/2), 2.5 -> (2/4, 1).
    expect(tprAtFpr(id, ood, { targetFpr: 0.5, positive: 'ood' })).toBe(1);
    expect(tprAtFpr(id, ood, { targetFpr: 0.3, positive: 'ood' })).toBe(0.5);
  });

  it('rejects a target FPR outside [0, 1]', () => {
    expect(() => tprAtFpr(id, ood, { targetFpr: -0.01 })).toThrow(InvalidArgumentError);
    expect(() => tprAtFpr(id, ood, { targetFpr: 2 })).toThrow('tprAtFpr: expected targetFpr in [0, 1], got 2.');
  });
});
