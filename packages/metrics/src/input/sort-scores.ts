import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { splitScores } from './split-scores';
import { sortScoresInPlace } from '../sort/radix-sort';
import type { ScoreArguments, SortedScores } from './score-types';

/**
 * Validates the arguments of a two-group metric and returns both groups sorted ascending.
 * Sorting is a radix sort on the float bits (O(n), see `sort/radix-sort.ts`).
 */
export function sortScores(op: string, args: ScoreArguments): SortedScores {
  const { id, ood } = splitScores(op, args);
  if (id.length === 0 || ood.length === 0) {
    throw new InvalidArgumentError(
      `${op}: needs at least one in-distribution and one OOD score, got ${id.length} ID and ${ood.length} OOD scores.`,
    );
  }
  sortScoresInPlace(id);
  sortScoresInPlace(ood);
  return { id, ood };
}
