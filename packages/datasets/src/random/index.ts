export type { Rng } from './rng';
export { Xoshiro128, createRng } from './xoshiro128';
export { deriveSeed, splitmix32, toUint32 } from './splitmix32';
export { shuffleInPlace, randomPermutation, sampleWithoutReplacement } from './permutation';
