import { describe, expect, it } from 'vitest';
import { auroc } from './auroc';
import { sklearnCases } from './fixtures/sklearn-cases';
import { mulberry32, normalScores } from './fixtures/random';

describe('auroc', () => {
  it('is 1 for perfect separation and 0 for perfect inversion', () => {
    expect(auroc([3, 4, 5], [0, 1, 2])).toBe(1);
    expect(auroc([0, 1, 2], [3, 4, 5])).toBe(0);
  });

  it('is 0.5 when every score is tied', () => {
    expect(auroc([1, 1, 1], [1, 1])).toBe(0.5);
  });

  it('counts ties one half (hand-computed Mann-Whitney)', () => {
    // Pairs (id, ood): 2>1 (1), 2=2 (0.5), 2<3 (0); 3>1, 3>2 (2), 3=3 (0.5) -> 4 / 6.
    expect(auroc([2, 3], [1, 2, 3])).toBeCloseTo(4 / 6, 15);
  });

  it('matches scikit-learn roc_auc_score to 1e-12', () => {
    for (const c of sklearnCases) {
      expect(auroc(c.id, c.ood), c.name).toBeCloseTo(c.auroc, 12);
    }
  });

  it('accepts Float32Array, Float64Array and the {scores, isOod} form alike', () => {
    const c = sklearnCases[2]!;
    const scores = [...c.id, ...c.ood];
    const isOod = scores.map((_, i) => i >= c.id.length);
    expect(auroc({ scores, isOod })).toBe(auroc(c.id, c.ood));
    expect(auroc(Float64Array.from(c.id), Float64Array.from(c.ood))).toBe(auroc(c.id, c.ood));
    // Rounded to one decimal, float32 keeps the same order and ties, so the AUROC is the same.
    expect(auroc(Float32Array.from(c.id), Float32Array.from(c.ood))).toBe(auroc(c.id, c.ood));
  });

  it('satisfies AUROC(id, ood) = 1 - AUROC(ood, id), with and without ties', () => {
    const rand = mulberry32(7);
    for (const decimals of [undefined, 1]) {
      const id = normalScores(rand, 500, 0.7, decimals);
      const ood = normalScores(rand, 300, 0, decimals);
      expect(auroc(id, ood) + auroc(ood, id)).toBeCloseTo(1, 12);
    }
  });

  it('is invariant under strictly increasing transforms of the scores', () => {
    const rand = mulberry32(11);
    const id = normalScores(rand, 400, 0.5, 2);
    const ood = normalScores(rand, 400, 0, 2);
    const base = auroc(id, ood);
    for (const f of [(x: number) => Math.exp(x), (x: number) => 3 * x - 7, (x: number) => x ** 3, (x: number) => Math.atan(x)]) {
      expect(auroc(id.map(f), ood.map(f))).toBeCloseTo(base, 12);
    }
  });

  it('does not modify its inputs', () => {
    const id = [3, 1, 2];
    auroc(id, [0, 5]);
    expect(id).toEqual([3, 1, 2]);
  });
});
