// Small helpers the Winograd kernels (assembly/winograd.ts, assembly/winograd-f4.ts) share: rounding
// and the partial vector loads/stores of channel tails (fewer than 4 floats left).

/** `n` rounded up to a multiple of `m` (a power of two). */
@inline export function roundUp(n: i32, m: i32): i32 {
  return (n + m - 1) & ~(m - 1);
}

/** The first `n` (0..3) floats at `p`, zeros in the other lanes (no read past them). */
@inline export function loadPartial(p: usize, n: i32): v128 {
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, load<f32>(p));
  if (n > 1) r = f32x4.replace_lane(r, 1, load<f32>(p, 4));
  if (n > 2) r = f32x4.replace_lane(r, 2, load<f32>(p, 8));
  return r;
}

/** Stores the first `n` (0..3) lanes of `v` at `p`. */
@inline export function storePartial(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
