/**
 * In-place ascending sorts of finite float arrays by LSD radix sort on the IEEE-754 bits: O(n),
 * about 5x faster than `TypedArray.prototype.sort` for millions of scores. The bit pattern of a
 * float is mapped to an unsigned key that orders like the float (flip all bits of negatives, set
 * the sign bit of positives). -0 sorts just before +0, which the metrics treat as equal anyway.
 * Inputs must hold no NaN (the metrics check that first).
 */

/** Below this length the native sort is as fast and allocates nothing. */
const RADIX_MIN_LENGTH = 4096;

function toKey(bits: number): number {
  return (bits & 0x80000000) !== 0 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

function fromKey(key: number): number {
  return (key & 0x80000000) !== 0 ? (key ^ 0x80000000) >>> 0 : ~key >>> 0;
}

/** Sorts a Float32Array ascending in place: 3 passes of 11-bit digits. */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH) {
    values.sort();
    return;
  }
  const keys = new Uint32Array(values.buffer, values.byteOffset, n);
  for (let i = 0; i < n; i++) keys[i] = toKey(keys[i] as number);
  let from: Uint32Array = keys;
  let to: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(2048);
  for (let shift = 0; shift < 32; shift += 11) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const bucket = ((from[i] as number) >>> shift) & 2047;
      counts[bucket] = (counts[bucket] as number) + 1;
    }
    if (!prefixSum(counts, n)) continue;
    for (let i = 0; i < n; i++) {
      const key = from[i] as number;
      const bucket = (key >>> shift) & 2047;
      const j = counts[bucket] as number;
      counts[bucket] = j + 1;
      to[j] = key;
    }
    [from, to] = [to, from];
  }
  // An odd number of passes leaves the result in the scratch buffer: decode it back into `keys`.
  for (let i = 0; i < n; i++) keys[i] = fromKey(from[i] as number);
}

/** Sorts a Float64Array ascending in place: 6 passes of 11-bit digits over (high, low) key words. */
export function sortFloat64(values: Float64Array): void {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH) {
    values.sort();
    return;
  }
  // Little-endian words: [low, high] per double.
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const high = words[2 * i + 1] as number;
    const negative = (high & 0x80000000) !== 0;
    hi[i] = negative ? ~high >>> 0 : (high | 0x80000000) >>> 0;
    lo[i] = negative ? ~(words[2 * i] as number) >>> 0 : (words[2 * i] as number);
  }
  let hiTo = new Uint32Array(n);
  let loTo = new Uint32Array(n);
  // 11-bit digits: 65536 buckets (16-bit digits) measured slower than the native sort, cache-bound.
  const counts = new Uint32Array(2048);
  for (let pass = 0; pass < 6; pass++) {
    const source = pass < 3 ? lo : hi;
    const shift = (pass % 3) * 11;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const bucket = ((source[i] as number) >>> shift) & 2047;
      counts[bucket] = (counts[bucket] as number) + 1;
    }
    if (!prefixSum(counts, n)) continue;
    for (let i = 0; i < n; i++) {
      const bucket = ((source[i] as number) >>> shift) & 2047;
      const j = counts[bucket] as number;
      counts[bucket] = j + 1;
      hiTo[j] = hi[i] as number;
      loTo[j] = lo[i] as number;
    }
    [hi, hiTo] = [hiTo, hi];
    [lo, loTo] = [loTo, lo];
  }
  for (let i = 0; i < n; i++) {
    const high = hi[i] as number;
    const negative = (high & 0x80000000) === 0;
    words[2 * i + 1] = negative ? ~high >>> 0 : (high ^ 0x80000000) >>> 0;
    words[2 * i] = negative ? ~(lo[i] as number) >>> 0 : (lo[i] as number);
  }
}

/**
 * Turns bucket counts into start offsets. Returns false when one bucket holds all `n` keys: the
 * pass would not move anything (common for exponent bits of scores in a narrow range), so skip it.
 */
function prefixSum(counts: Uint32Array, n: number): boolean {
  let sum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k] as number;
    if (c === n) return false;
    counts[k] = sum;
    sum += c;
  }
  return true;
}

/** Sorts either float array ascending in place. */
export function sortScoresInPlace(values: Float32Array | Float64Array): void {
  if (values instanceof Float32Array) sortFloat32(values);
  else sortFloat64(values);
}
