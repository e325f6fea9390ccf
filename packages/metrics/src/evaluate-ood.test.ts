import { describe, expect, it } from 'vitest';
import { evaluateOod } from './evaluate-ood';
import { auroc } from './auroc';
import { auprIn, auprOut } from './average-precision';
import { fprAtTpr } from './fpr-at-tpr';
import { detectionAccuracy } from './detection-accuracy';
import { thresholdAtTpr } from './threshold-at-tpr';
import { formatEvaluationTable } from './format-evaluation-table';
import { sklearnCases } from './fixtures/sklearn-cases';

describe('evaluateOod', () => {
  it('returns what the single-metric functions return, under names that carry the convention', () => {
    for (const c of sklearnCases) {
      const e = evaluateOod(c.id, c.ood);
      expect(e.numId).toBe(c.id.length);
      expect(e.numOod).toBe(c.ood.length);
      expect(e.targetTpr).toBe(0.95);
      expect(e.auroc).toBe(auroc(c.id, c.ood));
      expect(e.auprIn).toBe(auprIn(c.id, c.ood));
      expect(e.auprOut).toBe(auprOut(c.id, c.ood));
      expect(e.fprIdPositive.firstCrossing).toBe(fprAtTpr(c.id, c.ood));
      expect(e.fprIdPositive.interpolated).toBe(fprAtTpr(c.id, c.ood, { mode: 'interpolated' }));
      expect(e.fprOodPositive.firstCrossing).toBe(fprAtTpr(c.id, c.ood, { positive: 'ood' }));
      expect(e.fprOodPositive.interpolated).toBe(fprAtTpr(c.id, c.ood, { positive: 'ood', mode: 'interpolated' }));
      expect(e.detectionAccuracy).toBe(detectionAccuracy(c.id, c.ood).accuracy);
      expect(e.idThreshold).toBe(thresholdAtTpr(c.id, 0.95));
      // And the scikit-learn / release references directly.
      expect(e.auroc).toBeCloseTo(c.auroc, 12);
      expect(e.fprOodPositive.interpolated).toBeCloseTo(c.fprOodInterp95, 12);
    }
  });

  it('honours targetTpr', () => {
    const c = sklearnCases[3];
    expect(evaluateOod(c.id, c.ood, { targetTpr: 0.8 }).fprIdPositive.firstCrossing).toBeCloseTo(c.fprIdFirst80, 12);
  });
});

describe('formatEvaluationTable', () => {
  it('prints percentages and never a bare FPR95', () => {
    const table = formatEvaluationTable({ msp: evaluateOod([3, 4, 5], [0, 1, 4]) });
    const [header, rule, row] = table.split('\n');
    expect(header).toContain('FPR95 (ID positive)');
    expect(header).toContain('FPR95 (OOD positive)');
    expect(header).not.toMatch(/FPR95(?! \()/);
    expect(rule).toMatch(/^-+( +-+)+$/);
    // AUROC: of the 9 (id, ood) pairs, (3, 4) loses, (4, 4) ties, the other 7 win -> 7.5 / 9.
    expect(row).toContain((100 * (7.5 / 9)).toFixed(2));
    expect(formatEvaluationTable({ a: evaluateOod([1], [0]) }, { mode: 'both' })).toContain('FPR95 (OOD positive, interp)');
  });
});
