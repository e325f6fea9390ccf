import { describe, expect, it } from 'vitest';
import { fprAtTpr } from './fpr-at-tpr';
import { sklearnCases } from './fixtures/sklearn-cases';
import { mulberry32, normalScores } from './fixtures/random';
import { InvalidArgumentError } from './errors/invalid-argument-error';

describe('fprAtTpr', () => {
  it('reads a hand-computed ROC both ways', () => {
    // ID 4,3,2,1 ; OOD 2.5, 0. ID positive, descending: 4 (1/4, 0), 3 (2/4, 0), 2.5 (2/4, 1/2),
    // 2 (3/4, 1/2), 1 (1, 1/2), 0 (1, 1).
    const id = [4, 3, 2, 1];
    const ood = [2.5, 0];
    expect(fprAtTpr(id, ood, { targetTpr: 0.75 })).toBe(0.5);
    expect(fprAtTpr(id, ood, { targetTpr: 0.5 })).toBe(0);
    // Interpolated at 0.6: between (tpr 0.5, fpr 0.5) and (0.75, 0.5) -> 0.5.
    expect(fprAtTpr(id, ood, { targetTpr: 0.6, mode: 'interpolated' })).toBeCloseTo(0.5, 15);
    // OOD positive, ascending: 0 (OOD: tpr 1/2, fpr 0), 1 (ID: 1/2, 1/4), 2 (1/2, 2/4), 2.5 (1, 2/4).
    expect(fprAtTpr(id, ood, { targetTpr: 0.95, positive: 'ood' })).toBe(0.5);
    // Interpolated between (0.5, 0.5) and (1, 0.5): 0.5; between (0, 0) and (0.5, 0) at 0.25: 0.
    expect(fprAtTpr(id, ood, { targetTpr: 0.95, positive: 'ood', mode: 'interpolated' })).toBeCloseTo(0.5, 15);
    expect(fprAtTpr(id, ood, { targetTpr: 0.25, positive: 'ood', mode: 'interpolated' })).toBe(0);
  });

  it('interpolates linearly inside a diagonal run of tied scores', () => {
    // All four tied: the ROC is one segment from (0, 0) to (1, 1).
    expect(fprAtTpr([1, 1], [1, 1], { targetTpr: 0.3, mode: 'interpolated' })).toBeCloseTo(0.3, 15);
    expect(fprAtTpr([1, 1], [1, 1], { targetTpr: 0.3 })).toBe(1);
  });

  it('is 0 for perfect separation and 1 for perfect inversion', () => {
    expect(fprAtTpr([5, 6, 7], [1, 2])).toBe(0);
    expect(fprAtTpr([5, 6, 7], [1, 2], { positive: 'ood' })).toBe(0);
    expect(fprAtTpr([1, 2], [5, 6, 7])).toBe(1);
  });

  it('matches scikit-learn first crossings and the HVCM release calc_fpr to 1e-12', () => {
    for (const c of sklearnCases) {
      for (const [t, key] of [[0.5, '50'], [0.8, '80'], [0.95, '95']] as const) {
        const ref = c as unknown as Record<string, number>;
        expect(fprAtTpr(c.id, c.ood, { targetTpr: t }), `${c.name} id first ${key}`).toBeCloseTo(ref[`fprIdFirst${key}`]!, 12);
        expect(fprAtTpr(c.id, c.ood, { targetTpr: t, positive: 'ood' }), `${c.name} ood first ${key}`).toBeCloseTo(ref[`fprOodFirst${key}`]!, 12);
        expect(fprAtTpr(c.id, c.ood, { targetTpr: t, mode: 'interpolated' }), `${c.name} id interp ${key}`).toBeCloseTo(ref[`fprIdInterp${key}`]!, 12);
        expect(fprAtTpr(c.id, c.ood, { targetTpr: t, positive: 'ood', mode: 'interpolated' }), `${c.name} ood interp ${key}`).toBeCloseTo(ref[`fprOodInterp${key}`]!, 12);
      }
    }
  });

  it('is monotone non-decreasing in the target TPR, in every convention', () => {
    const rand = mulberry32(3);
    const id = normalScores(rand, 300, 1, 1);
    const ood = normalScores(rand, 200, 0, 1);
    for (const positive of ['id', 'ood'] as const) {
      for (const mode of ['first-crossing', 'interpolated'] as const) {
        let prev = -1;
        for (let t = 0.01; t <= 1; t += 0.01) {
          const f = fprAtTpr(id, ood, { targetTpr: Math.min(t, 1), positive, mode });
          expect(f).toBeGreaterThanOrEqual(prev - 1e-15);
          prev = f;
        }
      }
    }
  });

  it('interpolated never exceeds first-crossing', () => {
    const rand = mulberry32(5);
    const id = normalScores(rand, 97, 1, 1);
    const ood = normalScores(rand, 61, 0, 1);
    for (const t of [0.1, 0.5, 0.9, 0.95, 0.99, 1]) {
      expect(fprAtTpr(id, ood, { targetTpr: t, mode: 'interpolated' })).toBeLessThanOrEqual(fprAtTpr(id, ood, { targetTpr: t }) + 1e-15);
    }
  });

  it('rejects a target TPR outside (0, 1]', () => {
    for (const bad of [0, -0.1, 1.01, Number.NaN]) {
      expect(() => fprAtTpr([1], [0], { targetTpr: bad })).toThrow(InvalidArgumentError);
    }
    expect(() => fprAtTpr([1], [0], { targetTpr: 0 })).toThrow('fprAtTpr: expected targetTpr in (0, 1], got 0.');
  });
});
