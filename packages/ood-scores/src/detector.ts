import type * as tf from '@tensorflow/tfjs-core';

/**
 * A matrix of `n` rows (samples) by `d` columns (features or logits), given either as a rank-2
 * tensor or as a row-major typed array with its shape. Typed arrays are read as they are (a
 * `Float64Array` keeps its precision where a detector fits in float64); tensors stay on their backend.
 */
export type FeatureInput =
  | tf.Tensor2D
  | { readonly data: Float32Array | Float64Array; readonly shape: readonly [number, number] };

/**
 * The serialised form of a fitted detector: plain JSON (numbers, strings, arrays), tagged with the
 * detector's `kind` (its registry name) and the `version` of its serialised layout.
 */
export interface SerializedDetector {
  readonly kind: string;
  readonly version: number;
  readonly [key: string]: unknown;
}

/**
 * The contract every detector in `@hvcm/ood-scores` implements (DESIGN.md section 4).
 *
 * - `fit(features, labels)` learns what the detector needs from in-distribution training data
 *   (`features` `[n, d]`, `labels` `Int32Array` of length `n` with classes `0..C-1`). Logit-based
 *   detectors need nothing and accept any call; detectors that need no labels accept `undefined`.
 * - `score(features)` returns one in-distribution score per row: HIGHER = MORE IN-DISTRIBUTION
 *   (the paper's and OpenOOD's direction; pytorch-ood uses the opposite).
 * - `toJSON()` gives a {@link SerializedDetector}; each class has a static `fromJSON` that rebuilds a
 *   detector whose scores are identical.
 * - `dispose()` frees the tensors the detector holds; it cannot score afterwards.
 *
 * `TInput` is what `score` takes: features/logits for every detector except ODIN, which takes the
 * model's inputs.
 */
export interface Detector<TInput = FeatureInput> {
  /** Registry name of this detector, also the `kind` of its JSON. */
  readonly kind: string;
  /** True after `fit` (or `fromJSON`) and before `dispose`. */
  readonly fitted: boolean;
  fit(features: TInput, labels?: Int32Array): Promise<this>;
  /** In-distribution scores `[n]`: higher = more in-distribution. */
  score(features: TInput): Promise<Float32Array>;
  toJSON(): SerializedDetector;
  dispose(): void;
}
