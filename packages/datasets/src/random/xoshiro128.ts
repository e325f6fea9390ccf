import { InvalidArgumentError } from '@hvcm/metrics';
import type { Rng } from './rng';
import { splitmix32, toUint32 } from './splitmix32';

const TWO_POW_32 = 4294967296;

/**
 * xoshiro128** (Blackman and Vigna), a small fast generator with 128 bits of state and good
 * statistical quality, seeded through SplitMix32. Pure JavaScript on 32-bit integer math, so it
 * gives the same sequence on every platform.
 */
export class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second Box-Muller sample kept for the next `normal()` call (NaN when empty). */
  private spareNormal = Number.NaN;

  /** `seed`: any finite number; integers modulo 2^32 select the stream. */
  constructor(seed: number) {
    let state = toUint32(seed);
    const words: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const [out, next] = splitmix32(state);
      words.push(out | 0);
      state = next;
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    // An all-zero state would stay zero forever; SplitMix32 never yields four zeros, but be safe.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * A generator with the given raw state words (not all zero). For known-answer tests against
   * the reference C implementation; normal use goes through a seed.
   */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    if (((s0 | s1 | s2 | s3) >>> 0) === 0) {
      throw new InvalidArgumentError('Xoshiro128.fromState: the state must not be all zero.');
    }
    const rng = new Xoshiro128(0);
    rng.s0 = s0 | 0;
    rng.s1 = s1 | 0;
    rng.s2 = s2 | 0;
    rng.s3 = s3 | 0;
    return rng;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new InvalidArgumentError(
        `nextInt: expected an integer bound in [1, 2^32], got ${maxExclusive}.`,
      );
    }
    // Reject the top partial block of [0, 2^32) so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return spare;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  fork(): Rng {
    // Mix two outputs into the child's seed through SplitMix32 (in the constructor), so parent
    // and child streams do not overlap in any practical sense.
    const a = this.nextUint32();
    const b = this.nextUint32();
    return new Xoshiro128((a ^ Math.imul(b, 0x9e3779b9)) >>> 0);
  }

  clone(): Rng {
    const copy = new Xoshiro128(0);
    copy.s0 = this.s0;
    copy.s1 = this.s1;
    copy.s2 = this.s2;
    copy.s3 = this.s3;
    copy.spareNormal = this.spareNormal;
    return copy;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A seeded generator (xoshiro128**). Same seed, same sequence, on every platform. */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seed);
}
