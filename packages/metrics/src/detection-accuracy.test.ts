import { describe, expect, it } from 'vitest';
import { detectionAccuracy } from './detection-accuracy';

describe('detectionAccuracy', () => {
  it('is 1 for perfect separation, with a threshold between the groups', () => {
    const r = detectionAccuracy([3, 4], [1, 2]);
    expect(r.accuracy).toBe(1);
    expect(r.threshold).toBe(3);
  });

  it('is 0.5 (chance) when every score is tied or the order is inverted', () => {
    expect(detectionAccuracy([1, 1], [1, 1]).accuracy).toBe(0.5);
    expect(detectionAccuracy([1, 2], [3, 4]).accuracy).toBe(0.5);
  });

  it('matches a hand-computed best threshold', () => {
    // ID 4,3,1 ; OOD 2,0. t=3: 0.5*2/3 + 0.5*1 = 5/6; t=1: 0.5*1 + 0.5*1/2 = 3/4. Best 5/6 at t=3.
    const r = detectionAccuracy([4, 3, 1], [2, 0]);
    expect(r.accuracy).toBeCloseTo(5 / 6, 15);
    expect(r.threshold).toBe(3);
  });
});
