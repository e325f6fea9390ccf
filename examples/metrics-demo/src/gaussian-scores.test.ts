import { describe, expect, it } from 'vitest';
import { auroc } from '@hvcm/metrics';
import { gaussianScores } from './gaussian-scores';

describe('metrics demo scores', () => {
  it('are reproducible and have the AUROC of two unit Gaussians, Phi(d / sqrt 2)', () => {
    expect(gaussianScores(5, 1, 3)).toEqual(gaussianScores(5, 1, 3));
    const id = gaussianScores(20_000, 1.5, 1);
    const ood = gaussianScores(20_000, 0, 2);
    // Phi(1.5 / sqrt(2)) = 0.8555778168 (scipy.stats.norm.cdf); sampling error ~0.003.
    expect(Math.abs(auroc(id, ood) - 0.8555778168)).toBeLessThan(0.01);
  });
});
