import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import { createRng } from '../random/index';
import { classFolds, complementClasses, foldSampleIndices, imagenetClassFolds } from './class-folds';
import {
  MNIST_OPEN_SET_SPLITS,
  knownClassMap,
  mnistOpenSetSplit,
  openSetSplit,
  remapKnownLabels,
  selectOpenSet,
} from './open-set';
import { validationSplit } from './validation-split';
import { nearToFarOodSets } from './near-to-far';

function concatSorted(parts: Int32Array[]): number[] {
  return parts.flatMap((p) => Array.from(p)).sort((a, b) => a - b);
}

describe('classFolds', () => {
  it('ImageNet: 10 disjoint folds of 100 classes covering 0..999, deterministic per seed', () => {
    const folds = imagenetClassFolds(0);
    expect(folds).toHaveLength(10);
    for (const fold of folds) {
      expect(fold).toHaveLength(100);
      // ascending within a fold
      for (let i = 1; i < fold.length; i += 1) expect(fold[i]!).toBeGreaterThan(fold[i - 1]!);
    }
    expect(concatSorted(folds)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(imagenetClassFolds(0)).toEqual(folds);
    const other = imagenetClassFolds(1);
    expect(other).not.toEqual(folds);
    expect(concatSorted(other)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('uneven counts: sizes differ by at most one, first folds larger', () => {
    const folds = classFolds(11, 3, 5);
    expect(folds.map((f) => f.length)).toEqual([4, 4, 3]);
    expect(concatSorted(folds)).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  it('foldSampleIndices selects exactly the samples of the fold; complement covers the rest', () => {
    const labels = Int32Array.from([0, 3, 1, 2, 3, 0, 4, 1]);
    expect(Array.from(foldSampleIndices(labels, [3, 0]))).toEqual([0, 1, 4, 5]);
    expect(Array.from(complementClasses([3, 0], 5))).toEqual([1, 2, 4]);
    expect(Array.from(foldSampleIndices(labels, complementClasses([3, 0], 5)))).toEqual([2, 3, 6, 7]);
  });

  it('rejects bad arguments', () => {
    expect(() => classFolds(10, 11, 0)).toThrow(InvalidArgumentError);
    expect(() => classFolds(10, 0, 0)).toThrow(InvalidArgumentError);
    expect(() => classFolds(10.5, 2, 0)).toThrow(InvalidArgumentError);
  });
});

describe('open-set splits', () => {
  it('MNIST lists match DESIGN.md section 6 exactly', () => {
    expect(MNIST_OPEN_SET_SPLITS).toEqual([
      [2, 4, 5, 9, 8, 3],
      [3, 2, 6, 9, 4, 0],
      [5, 8, 3, 2, 4, 6],
      [3, 7, 8, 4, 0, 5],
      [6, 3, 4, 9, 8, 2],
    ]);
    expect(Array.from(mnistOpenSetSplit(0).known)).toEqual([2, 4, 5, 9, 8, 3]);
    expect(Array.from(mnistOpenSetSplit(0).unknown)).toEqual([0, 1, 6, 7]);
    expect(Array.from(mnistOpenSetSplit(3).unknown)).toEqual([1, 2, 6, 9]);
    for (let s = 0; s < 5; s += 1) {
      const split = mnistOpenSetSplit(s);
      expect(split.known).toHaveLength(6);
      expect(split.unknown).toHaveLength(4);
      expect(concatSorted([split.known, split.unknown])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(() => mnistOpenSetSplit(5)).toThrow(InvalidArgumentError);
  });

  it('remaps known classes to their position in the known list, unknown to -1', () => {
    const split = mnistOpenSetSplit(0); // known [2, 4, 5, 9, 8, 3]
    expect(Array.from(knownClassMap(split))).toEqual([-1, -1, 0, 5, 1, 2, -1, -1, 4, 3]);
    const labels = Int32Array.from([0, 2, 3, 7, 9, 8, 4, 5]);
    expect(Array.from(remapKnownLabels(labels, split))).toEqual([-1, 0, 5, -1, 3, 4, 1, 2]);
    const sel = selectOpenSet(labels, split);
    expect(Array.from(sel.knownIndices)).toEqual([1, 2, 4, 5, 6, 7]);
    expect(Array.from(sel.knownLabels)).toEqual([0, 5, 3, 4, 1, 2]);
    expect(Array.from(sel.unknownIndices)).toEqual([0, 3]);
    expect(() => selectOpenSet([10], split)).toThrow(InvalidArgumentError);
  });

  it('generic k-known splits are seeded, disjoint and complete', () => {
    const a = openSetSplit(100, 20, 7);
    expect(a.known).toHaveLength(20);
    expect(a.unknown).toHaveLength(80);
    expect(concatSorted([a.known, a.unknown])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(openSetSplit(100, 20, 7)).toEqual(a);
    expect(openSetSplit(100, 20, 8).known).not.toEqual(a.known);
    expect(() => openSetSplit(10, 10, 0)).toThrow(InvalidArgumentError);
  });
});

describe('validationSplit', () => {
  it('is seeded, disjoint and covers every index', () => {
    const a = validationSplit(1000, { fraction: 0.1, seed: 3 });
    expect(a.validation).toHaveLength(100);
    expect(a.train).toHaveLength(900);
    expect(concatSorted([a.train, a.validation])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(validationSplit(1000, { fraction: 0.1, seed: 3 })).toEqual(a);
    expect(validationSplit(1000, { fraction: 0.1, seed: 4 }).validation).not.toEqual(a.validation);
  });

  it('stratified: each class holds out its share (largest remainder), total exact', () => {
    // classes of sizes 50, 30, 20 (interleaved); size 10 -> 5, 3, 2 held out.
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2));
    const s = validationSplit(labels, { size: 10, seed: 1, stratify: true });
    const perClass = [0, 0, 0];
    for (const i of s.validation) perClass[labels[i]!]! += 1;
    expect(perClass).toEqual([5, 3, 2]);
    expect(concatSorted([s.train, s.validation])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // 7 of sizes 50/30/20: exact 3.5, 2.1, 1.4 -> floors 3, 2, 1, the extra to class 0.
    const t = validationSplit(labels, { size: 7, seed: 2, stratify: true });
    const perClass7 = [0, 0, 0];
    for (const i of t.validation) perClass7[labels[i]!]! += 1;
    expect(perClass7).toEqual([4, 2, 1]);
  });

  it('rejects bad sizes', () => {
    expect(() => validationSplit(10, { seed: 0 })).toThrow(InvalidArgumentError);
    expect(() => validationSplit(10, { fraction: 0.5, size: 3, seed: 0 })).toThrow(InvalidArgumentError);
    expect(() => validationSplit(10, { size: 10, seed: 0 })).toThrow(InvalidArgumentError);
    expect(() => validationSplit(10, { fraction: 0.01, seed: 0 })).toThrow(InvalidArgumentError);
    expect(() => validationSplit(10, { size: 2, seed: 0, stratify: true })).toThrow(InvalidArgumentError);
  });
});

describe('nearToFarOodSets', () => {
  it('orders hand-made classes by known mean cosine distance', () => {
    // ID means (1,0) and (0,1). Mean cosine distance of a row x: 1 - (cos(x,e1) + cos(x,e2)) / 2.
    const idMeans = Float32Array.from([1, 0, 0, 1]);
    const nonId = Float32Array.from([
      -1, 0, // row 0: cos -1, 0 -> 1.5
      1, 0, // row 1: cos 1, 0 -> 0.5
      -1, -1, // row 2: cos -0.7071 twice -> 1.7071
      1, 1, // row 3: cos 0.7071 twice -> 0.2929
      0, 3, // row 4: cos 0, 1 -> 0.5 (ties row 1; row order kept)
    ]);
    const r = nearToFarOodSets(idMeans, nonId, 2, { numSets: 2 });
    const s = Math.SQRT1_2;
    const expected = [1.5, 0.5, 1 + s, 1 - s, 0.5];
    expected.forEach((d, i) => expect(r.meanDistance[i]).toBeCloseTo(d, 6));
    expect(Array.from(r.order)).toEqual([3, 1, 4, 0, 2]);
    expect(r.sets.map((x) => Array.from(x))).toEqual([[3, 1, 4], [0, 2]]);
    const withIds = nearToFarOodSets(idMeans, nonId, 2, { numSets: 5, nonIdClasses: [10, 11, 12, 13, 14] });
    expect(withIds.sets.map((x) => Array.from(x))).toEqual([[13], [11], [14], [10], [12]]);
  });

  it('matches the direct K x Kn double loop on random features; 9 sets of 100 for 900 classes', () => {
    const rng = createRng(12);
    const e = 16;
    const idMeans = Float32Array.from({ length: 100 * e }, () => rng.normal());
    const nonId = Float32Array.from({ length: 900 * e }, () => rng.normal());
    const r = nearToFarOodSets(idMeans, nonId, e);
    expect(r.sets).toHaveLength(9);
    for (const set of r.sets) expect(set).toHaveLength(100);
    for (const j of [0, 17, 899]) {
      let sum = 0;
      for (let k = 0; k < 100; k += 1) {
        let dot = 0;
        let na = 0;
        let nb = 0;
        for (let d = 0; d < e; d += 1) {
          const a = nonId[j * e + d]!;
          const b = idMeans[k * e + d]!;
          dot += a * b;
          na += a * a;
          nb += b * b;
        }
        sum += 1 - dot / Math.sqrt(na * nb);
      }
      expect(r.meanDistance[j]).toBeCloseTo(sum / 100, 10);
    }
    for (let i = 1; i < 900; i += 1) {
      expect(r.meanDistance[r.order[i]!]!).toBeGreaterThanOrEqual(r.meanDistance[r.order[i - 1]!]!);
    }
  });

  it('rejects wrong shapes, zero rows and non-finite values', () => {
    expect(() => nearToFarOodSets(Float32Array.from([1, 0, 0]), Float32Array.from([1, 0]), 2)).toThrow(
      ShapeMismatchError,
    );
    expect(() => nearToFarOodSets(Float32Array.from([0, 0]), Float32Array.from([1, 0]), 2, { numSets: 1 })).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      nearToFarOodSets(Float32Array.from([1, 0]), Float32Array.from([Number.NaN, 0]), 2, { numSets: 1 }),
    ).toThrow(/non-finite/);
  });
});
