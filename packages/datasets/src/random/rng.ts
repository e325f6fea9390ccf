/**
 * A seeded source of random numbers. Every random choice in `@hvcm/datasets` (shuffling,
 * augmentation, splits) draws from one of these so that a seed reproduces a run exactly.
 */
export interface Rng {
  /** Next raw 32-bit output as an unsigned integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, maxExclusive), unbiased (rejection sampling). `maxExclusive` in [1, 2^32]. */
  nextInt(maxExclusive: number): number;
  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number;
  /** Standard normal sample (Box-Muller). */
  normal(): number;
  /** True with probability `p`. */
  bernoulli(p: number): boolean;
  /**
   * A new, independent generator seeded from this one's next outputs (this one advances).
   * Use it to hand a sub-task its own stream without sharing state.
   */
  fork(): Rng;
  /** An exact copy of the current state: both copies then produce the same sequence. */
  clone(): Rng;
}
