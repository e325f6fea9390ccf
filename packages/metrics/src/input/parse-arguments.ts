import type { LabelledScores, ScoreArguments, Scores } from './score-types';

function isScores(value: unknown): value is Scores {
  return value instanceof Float32Array || value instanceof Float64Array || Array.isArray(value);
}

/**
 * Splits `(id, ood, options?)` or `({scores, isOod}, options?)` into the score arguments and the
 * options object. Anything else is passed on for `splitScores` to reject with a clear message.
 */
export function parseArguments<O>(args: readonly unknown[]): { scoreArgs: ScoreArguments; options: Partial<O> } {
  if (isScores(args[0]) || isScores(args[1])) {
    return { scoreArgs: [args[0] as Scores, args[1] as Scores], options: (args[2] ?? {}) as Partial<O> };
  }
  return { scoreArgs: [args[0] as LabelledScores], options: (args[1] ?? {}) as Partial<O> };
}
