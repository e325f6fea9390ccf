import { parseArguments } from './input/parse-arguments';
import { sortScores } from './input/sort-scores';
import type { LabelledScores, Scores, SortedScores } from './input/score-types';
import { walkOperatingPoints } from './curves/walk-operating-points';

/** Best balanced detection accuracy and the threshold that reaches it (accept as ID when `score >= threshold`). */
export interface DetectionAccuracy {
  readonly accuracy: number;
  readonly threshold: number;
}

/**
 * Detection accuracy as in ODIN (Liang et al. 2018): `max_t 0.5 * P_id(s >= t) + 0.5 * P_ood(s < t)`
 * over every threshold, for in-distribution scores (higher = more in-distribution). Balanced, so the
 * ratio of ID to OOD samples does not matter; 0.5 is chance, 1 is perfect separation.
 */
export function detectionAccuracy(id: Scores, ood: Scores): DetectionAccuracy;
export function detectionAccuracy(labelled: LabelledScores): DetectionAccuracy;
export function detectionAccuracy(...args: unknown[]): DetectionAccuracy {
  const { scoreArgs } = parseArguments(args);
  return detectionAccuracySorted(sortScores('detectionAccuracy', scoreArgs));
}

/** Detection accuracy of already validated, ascending-sorted groups. */
export function detectionAccuracySorted(sorted: SortedScores): DetectionAccuracy {
  const acc = new DetectionAccuracyAccumulator(sorted.id.length, sorted.ood.length);
  walkOperatingPoints(sorted, 'id', (tp, fp, t) => acc.visit(tp, fp, t));
  return acc.result();
}

/** Tracks the best balanced accuracy over an ID-positive walk; starts at the reject-all point (0.5). */
export class DetectionAccuracyAccumulator {
  private best = 0.5;
  private threshold = Infinity;

  constructor(
    private readonly numId: number,
    private readonly numOod: number,
  ) {}

  visit(tp: number, fp: number, t: number): void {
    const acc = 0.5 * (tp / this.numId) + 0.5 * ((this.numOod - fp) / this.numOod);
    if (acc > this.best) {
      this.best = acc;
      this.threshold = t;
    }
  }

  result(): DetectionAccuracy {
    return { accuracy: this.best, threshold: this.threshold };
  }
}
