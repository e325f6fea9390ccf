import { InvalidArgumentError } from '@hvcm/metrics';
import { createRng, randomPermutation } from '../random/index';
import { checkClassList, checkInteger } from './check-arguments';
import { complementClasses } from './class-folds';

/**
 * An open-set protocol: `known` classes are trained on (remapped to 0..k-1 in the order listed
 * here), `unknown` classes appear only at test time as open-set (OOD) samples.
 */
export interface OpenSetSplit {
  /** Known class ids of the original labelling; known class `known[i]` becomes label `i`. */
  readonly known: Int32Array;
  /** The other class ids, ascending. */
  readonly unknown: Int32Array;
  /** Number of classes of the original labelling. */
  readonly numClasses: number;
}

/**
 * The 5 standard known-class lists of the MNIST open-set protocol (6 known / 4 unknown), as
 * published (Neal et al. 2018, used by C2AE, CROSR, ...). Order matters: it defines the remapping.
 */
export const MNIST_OPEN_SET_SPLITS: readonly (readonly number[])[] = Object.freeze([
  Object.freeze([2, 4, 5, 9, 8, 3]),
  Object.freeze([3, 2, 6, 9, 4, 0]),
  Object.freeze([5, 8, 3, 2, 4, 6]),
  Object.freeze([3, 7, 8, 4, 0, 5]),
  Object.freeze([6, 3, 4, 9, 8, 2]),
]);

/** Builds an `OpenSetSplit` from an explicit known-class list (validated: distinct ids in range). */
export function openSetSplitFromKnown(known: ArrayLike<number>, numClasses: number): OpenSetSplit {
  checkInteger('numClasses', numClasses, 1);
  const checked = checkClassList('known', known, numClasses);
  if (checked.length === 0) {
    throw new InvalidArgumentError('known must list at least one class; got an empty list.');
  }
  return { known: checked, unknown: complementClasses(checked, numClasses), numClasses };
}

/** Split `index` (0..4) of the MNIST 6 known / 4 unknown protocol (`MNIST_OPEN_SET_SPLITS`). */
export function mnistOpenSetSplit(index: number): OpenSetSplit {
  checkInteger('index', index, 0, MNIST_OPEN_SET_SPLITS.length - 1);
  return openSetSplitFromKnown(MNIST_OPEN_SET_SPLITS[index] as readonly number[], 10);
}

/**
 * A seeded "k known classes" split of a `numClasses`-class labelled set: `numKnown` classes drawn
 * uniformly without replacement with `createRng(seed)`, listed ascending. Same seed, same split.
 */
export function openSetSplit(numClasses: number, numKnown: number, seed: number): OpenSetSplit {
  checkInteger('numClasses', numClasses, 2);
  checkInteger('numKnown', numKnown, 1, numClasses - 1);
  const order = randomPermutation(numClasses, createRng(seed));
  return openSetSplitFromKnown(order.slice(0, numKnown).sort(), numClasses);
}

/**
 * Map `[numClasses]` from original class id to its known label 0..k-1 (position in
 * `split.known`), or -1 for unknown classes.
 */
export function knownClassMap(split: OpenSetSplit): Int32Array {
  const map = new Int32Array(split.numClasses).fill(-1);
  split.known.forEach((c, i) => {
    map[c] = i;
  });
  return map;
}

/** The samples of a labelled set seen through an open-set split. */
export interface OpenSetSelection {
  /** Indices (ascending) of samples of known classes. */
  readonly knownIndices: Int32Array;
  /** Their labels remapped to 0..k-1, aligned with `knownIndices`. */
  readonly knownLabels: Int32Array;
  /** Indices (ascending) of samples of unknown classes. */
  readonly unknownIndices: Int32Array;
}

/**
 * Splits samples by an open-set protocol and remaps the known labels to 0..k-1.
 * `labels` `[n]` class ids in [0, split.numClasses).
 */
export function selectOpenSet(labels: ArrayLike<number>, split: OpenSetSplit): OpenSetSelection {
  const map = knownClassMap(split);
  const knownIndices: number[] = [];
  const knownLabels: number[] = [];
  const unknownIndices: number[] = [];
  for (let i = 0; i < labels.length; i += 1) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= split.numClasses) {
      throw new InvalidArgumentError(
        `labels[${i}] must be a class id in [0, ${split.numClasses}); got ${y}. ` +
          'Check that the split was made for this labelled set.',
      );
    }
    const mapped = map[y] as number;
    if (mapped >= 0) {
      knownIndices.push(i);
      knownLabels.push(mapped);
    } else {
      unknownIndices.push(i);
    }
  }
  return {
    knownIndices: Int32Array.from(knownIndices),
    knownLabels: Int32Array.from(knownLabels),
    unknownIndices: Int32Array.from(unknownIndices),
  };
}

/**
 * Remaps class ids through `split`: known classes to 0..k-1, unknown classes to `unknownLabel`
 * (default -1). Returns a new Int32Array `[n]`.
 */
export function remapKnownLabels(labels: ArrayLike<number>, split: OpenSetSplit, unknownLabel = -1): Int32Array {
  const map = knownClassMap(split);
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i += 1) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= split.numClasses) {
      throw new InvalidArgumentError(`labels[${i}] must be a class id in [0, ${split.numClasses}); got ${y}.`);
    }
    const mapped = map[y] as number;
    out[i] = mapped >= 0 ? mapped : unknownLabel;
  }
  return out;
}
