/** One-dimensional scores: higher = more in-distribution (the convention of every `@hvcm/*` metric). */
export type Scores = Float32Array | Float64Array | readonly number[];

/** Scores of a mixed set, with `isOod[i]` true (or 1) where sample i is out-of-distribution. */
export interface LabelledScores {
  readonly scores: Scores;
  readonly isOod: ArrayLike<boolean | number>;
}

/** Either `(idScores, oodScores)` or one `{ scores, isOod }` object. */
export type ScoreArguments = [id: Scores, ood: Scores] | [labelled: LabelledScores];

/** Sorted copies (ascending) of the two groups. Float32 input stays Float32 to halve memory. */
export interface SortedScores {
  readonly id: Float32Array | Float64Array;
  readonly ood: Float32Array | Float64Array;
}
