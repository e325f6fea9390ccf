import { describe, expect, it } from 'vitest';
import {
  Xoshiro128,
  createRng,
  deriveSeed,
  randomPermutation,
  sampleWithoutReplacement,
  shuffleInPlace,
} from './index';

describe('Xoshiro128', () => {
  it('matches the reference C implementation from state {1, 2, 3, 4}', () => {
    // Produced by compiling https://prng.di.unimi.it/xoshiro128starstar.c with s = {1,2,3,4}
    // and printing the first 8 outputs of next() (gcc -O2).
    const rng = Xoshiro128.fromState(1, 2, 3, 4);
    const got = Array.from({ length: 8 }, () => rng.nextUint32());
    expect(got).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
  });

  it('same seed gives the same stream, different seeds differ', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 16 }, () => a.nextUint32());
    const sb = Array.from({ length: 16 }, () => b.nextUint32());
    const sc = Array.from({ length: 16 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('next() is uniform on [0, 1): mean 1/2 and variance 1/12 within sampling error', () => {
    const rng = createRng(7);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i += 1) {
      const x = rng.next();
      sum += x;
      sumSq += x * x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    // Standard error of the mean: sqrt(1/12 / n) = 6.5e-4; allow 5 standard errors.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(2e-3);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });

  it('nextInt(k) hits every residue about equally (chi-square)', () => {
    const rng = createRng(11);
    const k = 10;
    const n = 100_000;
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i += 1) counts[rng.nextInt(k)]! += 1;
    const expected = n / k;
    const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // chi-square with 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
    expect(chi2).toBeLessThan(27.88);
    expect(() => rng.nextInt(0)).toThrow(/integer bound/);
    expect(() => rng.nextInt(2.5)).toThrow(/integer bound/);
  });

  it('normal() has mean 0 and variance 1 within sampling error', () => {
    const rng = createRng(5);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i += 1) {
      const x = rng.normal();
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - mean * mean - 1)).toBeLessThan(0.03);
  });

  it('clone() replays the same sequence; fork() gives a different stream', () => {
    const rng = createRng(3);
    rng.normal(); // leaves a spare normal cached: clone must copy it too
    const copy = rng.clone();
    const a = [rng.normal(), rng.next(), rng.nextUint32()];
    const b = [copy.normal(), copy.next(), copy.nextUint32()];
    expect(b).toEqual(a);
    const parent = createRng(3);
    const child = parent.fork();
    const pa = Array.from({ length: 8 }, () => parent.nextUint32());
    const ca = Array.from({ length: 8 }, () => child.nextUint32());
    expect(ca).not.toEqual(pa);
  });
});

describe('deriveSeed', () => {
  it('is deterministic and separates its parts', () => {
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    const seeds = new Set<number>();
    for (let epoch = 0; epoch < 1000; epoch += 1) seeds.add(deriveSeed(42, epoch));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
    expect(deriveSeed(42, 0)).not.toBe(deriveSeed(42));
  });
});

describe('permutations', () => {
  it('randomPermutation holds each index once and is uniform over positions', () => {
    const rng = createRng(9);
    const n = 5;
    const trials = 20_000;
    const firstCounts = new Array<number>(n).fill(0);
    for (let t = 0; t < trials; t += 1) {
      const p = randomPermutation(n, rng);
      expect(Array.from(p).sort()).toEqual([0, 1, 2, 3, 4]);
      firstCounts[p[0]!]! += 1;
    }
    const expected = trials / n;
    const chi2 = firstCounts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
    // 4 degrees of freedom: P(chi2 > 18.47) = 0.001.
    expect(chi2).toBeLessThan(18.47);
  });

  it('shuffleInPlace works on plain arrays and sampleWithoutReplacement draws distinct indices', () => {
    const rng = createRng(1);
    const values = ['a', 'b', 'c', 'd'];
    shuffleInPlace(values, rng);
    expect([...values].sort()).toEqual(['a', 'b', 'c', 'd']);
    const sample = sampleWithoutReplacement(100, 30, rng);
    expect(sample.length).toBe(30);
    expect(new Set(sample).size).toBe(30);
    expect(Math.max(...sample)).toBeLessThan(100);
    expect(sampleWithoutReplacement(5, 9, rng).length).toBe(5);
  });
});
