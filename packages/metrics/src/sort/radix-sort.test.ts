import { describe, expect, it } from 'vitest';
import { sortFloat32, sortFloat64 } from './radix-sort';
import { mulberry32, normalScores } from '../fixtures/random';

describe('radix sort', () => {
  it('sorts Float32Array exactly like the native sort (negatives, ties, extremes)', () => {
    const rand = mulberry32(1);
    for (const n of [0, 1, 17, 5000, 70_000]) {
      const values = Float32Array.from(normalScores(rand, n, 0, n % 2 === 0 ? 2 : undefined));
      if (n > 10) values.set([3.4e38, -3.4e38, 1e-45, -1e-45, 0], 3);
      const expected = values.slice().sort();
      sortFloat32(values);
      expect(Array.from(values)).toEqual(Array.from(expected));
    }
  });

  it('sorts Float64Array exactly like the native sort (full precision)', () => {
    const rand = mulberry32(2);
    for (const n of [6, 4096, 50_000]) {
      const values = normalScores(rand, n, 0.5);
      values.set([Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -5e-324, 1 + 2 ** -52, 1], 0);
      const expected = values.slice().sort();
      sortFloat64(values);
      expect(Array.from(values)).toEqual(Array.from(expected));
    }
  });

  it('skips passes whose digit is the same for every key and still sorts (values in [1, 2))', () => {
    const rand = mulberry32(4);
    const f64 = Float64Array.from({ length: 9000 }, () => 1 + rand());
    const f32 = Float32Array.from(f64);
    const e64 = f64.slice().sort();
    const e32 = f32.slice().sort();
    sortFloat64(f64);
    sortFloat32(f32);
    expect(Array.from(f64)).toEqual(Array.from(e64));
    expect(Array.from(f32)).toEqual(Array.from(e32));
    const constant = new Float32Array(5000).fill(-2.5);
    sortFloat32(constant);
    expect(constant.every((v) => v === -2.5)).toBe(true);
  });

  it('sorts subarray views in place without touching the rest of the buffer', () => {
    const buffer = new Float64Array(10_000).map((_, i) => 10_000 - i);
    const view = buffer.subarray(1000, 9000);
    sortFloat64(view);
    expect(buffer[0]).toBe(10_000);
    expect(buffer[999]).toBe(9001);
    expect(view[0]).toBe(1001);
    expect(view[7999]).toBe(9000);
    expect(buffer[9000]).toBe(1000);
  });
});
