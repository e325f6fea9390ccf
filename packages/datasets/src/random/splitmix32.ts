/**
 * One step of SplitMix32 on `state` (a 32-bit integer): returns `[output, nextState]`.
 * Used to expand a single integer seed into the four words of xoshiro128's state, and to mix
 * seeds (see `deriveSeed`): consecutive seeds give unrelated streams.
 */
export function splitmix32(state: number): [output: number, nextState: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [z >>> 0, next];
}

/**
 * Mixes a seed with any number of integers (epoch, worker id, stream id...) into a new 32-bit
 * seed. Deterministic; different inputs give unrelated seeds. Seeds are taken modulo 2^32.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let [out, state] = splitmix32(toUint32(seed));
  for (const part of parts) {
    [out, state] = splitmix32((state ^ toUint32(part) ^ out) | 0);
  }
  return out;
}

/** Maps any finite number to a 32-bit unsigned integer (integers modulo 2^32; fractions truncated). */
export function toUint32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  const truncated = Math.trunc(value);
  // `% 2**32` keeps the low 32 bits of integers beyond 2^32 that `>>> 0` would also keep, but
  // also handles values beyond 2^53 without surprises from float rounding of bit operations.
  return ((truncated % 4294967296) + 4294967296) % 4294967296 >>> 0;
}
