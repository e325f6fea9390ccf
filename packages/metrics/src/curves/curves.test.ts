import { describe, expect, it } from 'vitest';
import { rocCurve } from './roc-curve';
import { prCurve } from './pr-curve';
import { sklearnCases } from '../fixtures/sklearn-cases';

function expectClose(actual: Float64Array, expected: readonly number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `${label}[${i}]`).toBeCloseTo(expected[i]!, 12));
}

describe('rocCurve', () => {
  it('matches scikit-learn roc_curve(drop_intermediate=False) in both conventions', () => {
    for (const c of sklearnCases) {
      const roc = rocCurve(c.id, c.ood);
      expectClose(roc.fpr, c.rocId.fpr, `${c.name} fpr`);
      expectClose(roc.tpr, c.rocId.tpr, `${c.name} tpr`);
      expect(roc.thresholds[0]).toBe(Infinity);
      expectClose(roc.thresholds.subarray(1), c.rocId.thresholds, `${c.name} thresholds`);
      const rocOod = rocCurve(c.id, c.ood, { positive: 'ood' });
      expectClose(rocOod.fpr, c.rocOod.fpr, `${c.name} ood fpr`);
      expectClose(rocOod.tpr, c.rocOod.tpr, `${c.name} ood tpr`);
      expect(rocOod.thresholds[0]).toBe(-Infinity);
      expectClose(rocOod.thresholds.subarray(1), c.rocOod.thresholds, `${c.name} ood thresholds`);
    }
  });

  it('has one point per distinct score plus the origin', () => {
    const roc = rocCurve([1, 2, 2], [2, 3]);
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 3, 2, 1]);
    expect(Array.from(roc.tpr)).toEqual([0, 0, 2 / 3, 1]);
    expect(Array.from(roc.fpr)).toEqual([0, 0.5, 1, 1]);
  });
});

describe('prCurve', () => {
  it('matches scikit-learn precision_recall_curve in both conventions', () => {
    for (const c of sklearnCases) {
      const pr = prCurve(c.id, c.ood);
      expectClose(pr.precision, c.prId.precision, `${c.name} precision`);
      expectClose(pr.recall, c.prId.recall, `${c.name} recall`);
      expectClose(pr.thresholds, c.prId.thresholds, `${c.name} thresholds`);
      const prOod = prCurve(c.id, c.ood, { positive: 'ood' });
      expectClose(prOod.precision, c.prOod.precision, `${c.name} ood precision`);
      expectClose(prOod.recall, c.prOod.recall, `${c.name} ood recall`);
      expectClose(prOod.thresholds, c.prOod.thresholds, `${c.name} ood thresholds`);
    }
  });
});
