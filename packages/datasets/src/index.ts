// Public API of @hvcm/datasets.

// Seeded randomness (shared by the loader, splits and augmentation).
export {
  type Rng,
  Xoshiro128,
  createRng,
  deriveSeed,
  splitmix32,
  toUint32,
  shuffleInPlace,
  randomPermutation,
  sampleWithoutReplacement,
} from './random/index';
