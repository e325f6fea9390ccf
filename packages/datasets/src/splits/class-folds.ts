import { InvalidArgumentError } from '@hvcm/metrics';
import { createRng } from '../random/index';
import { randomPermutation } from '../random/index';
import { arraySplit } from './array-split';
import { checkInteger } from './check-arguments';

/**
 * Splits class ids 0..numClasses-1 into `numFolds` disjoint folds at random (seeded): the classes
 * are shuffled with `createRng(seed)` and cut into consecutive pieces whose sizes differ by at most
 * one (the first `numClasses % numFolds` folds get one class more). Each fold is sorted ascending.
 * Every class lands in exactly one fold. Same seed, same folds (on every platform).
 *
 * The paper's ImageNet protocol is `classFolds(1000, 10, seed)` (see `imagenetClassFolds`): one fold
 * of 100 classes is in-distribution, the other nine are near OOD.
 */
export function classFolds(numClasses: number, numFolds: number, seed: number): Int32Array[] {
  checkInteger('numClasses', numClasses, 1);
  checkInteger('numFolds', numFolds, 1, numClasses);
  if (!Number.isFinite(seed)) {
    throw new InvalidArgumentError(`seed must be a finite number; got ${seed}.`);
  }
  const order = randomPermutation(numClasses, createRng(seed));
  return arraySplit(order, numFolds).map((fold) => fold.sort());
}

/** The paper's ImageNet-1k protocol: 10 folds of 100 classes each, seeded (`classFolds(1000, 10, seed)`). */
export function imagenetClassFolds(seed: number): Int32Array[] {
  return classFolds(1000, 10, seed);
}

/**
 * Indices (ascending) of the samples whose label is one of `classes`: the samples of a fold.
 * `labels` `[n]` integer class ids; `classes` any list of class ids (order does not matter).
 */
export function foldSampleIndices(labels: ArrayLike<number>, classes: ArrayLike<number>): Int32Array {
  const wanted = new Set<number>();
  for (let i = 0; i < classes.length; i += 1) wanted.add(classes[i] as number);
  let count = 0;
  for (let i = 0; i < labels.length; i += 1) if (wanted.has(labels[i] as number)) count += 1;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < labels.length; i += 1) if (wanted.has(labels[i] as number)) out[k++] = i;
  return out;
}

/** Every class id of 0..numClasses-1 that is not in `classes`, ascending (the folds left out). */
export function complementClasses(classes: ArrayLike<number>, numClasses: number): Int32Array {
  const inSet = new Uint8Array(numClasses);
  for (let i = 0; i < classes.length; i += 1) {
    const c = classes[i] as number;
    if (c >= 0 && c < numClasses) inSet[c] = 1;
  }
  const out: number[] = [];
  for (let c = 0; c < numClasses; c += 1) if (inSet[c] === 0) out.push(c);
  return Int32Array.from(out);
}
