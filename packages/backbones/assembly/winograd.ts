// Winograd F(2x2, 3x3) convolution, stride 1, dilation 1, NHWC, explicit zero padding.
//
// Per call: the filter is transformed once (U = G g G^T, [16, Ci, CoP], CoP = Co rounded up to 8,
// zero columns beyond Co). Then per block of `blockTiles` output tiles (2x2 outputs each, tiles
// numbered over [N, tilesH, tilesW]):
//   1. input transform: V[t, p, c] = (B^T d B)[p] of the tile's 4x4 input patch, [T, 16, CiP];
//   2. 16 GEMMs M[:, p] = V[:, p] (T x Ci) * U[p] (Ci x CoP), register-tiled 4 tiles x 8 channels;
//   3. output transform: Y = A^T M A straight into the output, dropping the ragged bottom/right row
//      and column of tiles beyond Ho/Wo; optionally + bias[co] and max(0, .) on the way out (the
//      inference FusedConv2D: no extra pass over the output).
// 2.25x fewer multiplications than direct convolution; the transforms are additions only.
// winograd-f4.ts (F(4x4, 3x3)) is faster on most layers; this one wastes less on tiny images.
// All pointers are byte offsets into the (imported) tfjs heap; no allocation, no data section.

import { gemm } from './shared/gemm-4x8';
import { loadPartial, roundUp, storePartial } from './shared/vector-tails';

/**
 * U = G g G^T, G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]], for 4 lanes of 3x3 taps: the tap (i, j)
 * of the lanes is the `n` (1..4) floats at g + (i * sI + j * sJ) * 4 (byte offsets; sI, sJ may be
 * negative: the flipped filter). Writes the 16 transformed vectors (position-major) to `tmp`.
 */
function filterTile(g: usize, sI: i32, sJ: i32, n: i32, tmp: usize): void {
  const half = f32x4.splat(0.5);
  // Rows: q = G g (4 x 3), kept in tmp positions (i, j), j < 3.
  for (let j = 0; j < 3; j++) {
    const g0 = tap(g + <usize>(j * sJ << 2), n);
    const g1 = tap(g + <usize>((sI + j * sJ) << 2), n);
    const g2 = tap(g + <usize>((2 * sI + j * sJ) << 2), n);
    const sum = f32x4.add(g0, g2);
    v128.store(tmp + (<usize>j << 4), g0);
    v128.store(tmp + (<usize>(4 + j) << 4), f32x4.mul(half, f32x4.add(sum, g1)));
    v128.store(tmp + (<usize>(8 + j) << 4), f32x4.mul(half, f32x4.sub(sum, g1)));
    v128.store(tmp + (<usize>(12 + j) << 4), g2);
  }
  // Columns: u = q G^T, in place (q[i][0..2] read before u[i][0..3] is written).
  for (let i = 0; i < 4; i++) {
    const r = tmp + (<usize>i << 6);
    const q0 = v128.load(r);
    const q1 = v128.load(r, 16);
    const q2 = v128.load(r, 32);
    const sum = f32x4.add(q0, q2);
    v128.store(r, q0, 0);
    v128.store(r, f32x4.mul(half, f32x4.add(sum, q1)), 16);
    v128.store(r, f32x4.mul(half, f32x4.sub(sum, q1)), 32);
    v128.store(r, q2, 48);
  }
}

@inline function tap(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadPartial(p, n);
}

/**
 * The transformed filter u [16, ci, coP] (coP = co rounded up to 8; columns co..coP zero) of a
 * 3x3 convolution with ci input and co output channels, from
 * - flipped = 0: g [3, 3, ci, co] used as is (vectorised over output channels, contiguous);
 * - flipped = 1: g [3, 3, co, ci] flipped in space with in/out channels swapped (the stride-1 input
 *   gradient of a convolution by g): u's (i, j, a, b) tap is g[2-i][2-j][b][a] (vectorised over a,
 *   contiguous in g, stored lane by lane).
 * `tmp` is 256 bytes of 16-byte-aligned scratch.
 */
export function winogradFilter(g: usize, ci: i32, co: i32, flipped: i32, u: usize, tmp: usize): void {
  const coP = roundUp(co, 8);
  const plane = <usize>(ci * coP) << 2;
  const tapStride = ci * co;
  if (flipped == 0) {
    for (let a = 0; a < ci; a++) {
      for (let b = 0; b < coP; b += 4) {
        const dst = u + (<usize>(a * coP + b) << 2);
        const n = min(4, co - b);
        if (n <= 0) {
          for (let p = 0; p < 16; p++) v128.store(dst + <usize>p * plane, f32x4.splat(0));
          continue;
        }
        filterTile(g + (<usize>(a * co + b) << 2), 3 * tapStride, tapStride, n, tmp);
        for (let p = 0; p < 16; p++) v128.store(dst + <usize>p * plane, v128.load(tmp + (<usize>p << 4)));
      }
    }
    return;
  }
  for (let a = 0; a < ci; a++) {
    for (let b = co; b < coP; b++) {
      for (let p = 0; p < 16; p++) store<f32>(u + <usize>p * plane + (<usize>(a * coP + b) << 2), 0);
    }
  }
  const last = g + (<usize>(8 * tapStride) << 2); // tap (2, 2): u's tap (0, 0)
  for (let b = 0; b < co; b++) {
    for (let a = 0; a < ci; a += 4) {
      const n = min(4, ci - a);
      filterTile(last + (<usize>(b * ci + a) << 2), -3 * tapStride, -tapStride, n, tmp);
      const dst = u + (<usize>(a * coP + b) << 2);
      const laneStride = <usize>coP << 2;
      for (let p = 0; p < 16; p++) {
        const v = v128.load(tmp + (<usize>p << 4));
        const o = dst + <usize>p * plane;
        store<f32>(o, f32x4.extract_lane(v, 0));
        if (n > 1) store<f32>(o + laneStride, f32x4.extract_lane(v, 1));
        if (n > 2) store<f32>(o + 2 * laneStride, f32x4.extract_lane(v, 2));
        if (n > 3) store<f32>(o + 3 * laneStride, f32x4.extract_lane(v, 3));
      }
    }
  }
}

/**
 * Byte stride between tiles in a [T, 16, cols] float buffer (the transformed input or the GEMM
 * results: each tile's 16 positions contiguous, so the transforms touch whole cache lines in
 * order): an odd multiple of 64 bytes, so the 4 rows of a GEMM register tile fall in different L1
 * sets (strides that are multiples of 4 KiB ran up to 15% slower).
 */
@inline function tileBytes(cols: i32): usize {
  return <usize>((cols * 64) | 64);
}

/** Bytes of scratch `winogradConv3x3` needs (beyond the transformed filter). */
export function winogradScratchBytes(ci: i32, co: i32, blockTiles: i32): i32 {
  const t = roundUp(blockTiles, 4);
  return t * <i32>tileBytes(roundUp(ci, 4)) + t * <i32>tileBytes(roundUp(co, 8)) + roundUp(ci, 4) * 4 + 64 + 16;
}

/**
 * Input transform of tiles tile0 .. tile0 + count - 1 (rows count .. countP - 1 are zeroed) into
 * v [T, 16, ciP] (tile stride `tileBytes(ciP)`): V = B^T d B, B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], d the tile's
 * 4x4 input patch (zeros outside the image). `tab` holds the 16 pixel pointers of the patch (the
 * zero buffer `zero` for pixels in the padding).
 */
function inputTransform(
  x: usize, h: i32, w: i32, ci: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32,
  tile0: i32, count: i32, countP: i32, t: i32, v: usize, zero: usize, tab: usize,
): void {
  const ciP = roundUp(ci, 4);
  const plane = <usize>ciP << 2;
  const stride = tileBytes(ciP);
  const full = ci & ~3;
  const rest = ci - full;
  const perImage = tilesH * tilesW;
  const rowBytes = <usize>(w * ci) << 2;
  // Tile coordinates, advanced one tile at a time (no division per tile).
  let img = tile0 / perImage;
  let ty = (tile0 - img * perImage) / tilesW;
  let tx = tile0 - img * perImage - ty * tilesW;
  for (let k = 0; k < count; k++) {
    const dst = v + <usize>k * stride;
    const y0 = 2 * ty - padTop;
    const x0 = 2 * tx - padLeft;
    const imgBase = x + (<usize>(img * h) * rowBytes);
    for (let r = 0; r < 4; r++) {
      const yy = y0 + r;
      const rowOk = yy >= 0 && yy < h;
      const rowBase = imgBase + <usize>yy * rowBytes;
      for (let s = 0; s < 4; s++) {
        const xx = x0 + s;
        store<usize>(tab + (<usize>(r * 4 + s) << 2), rowOk && xx >= 0 && xx < w ? rowBase + (<usize>(xx * ci) << 2) : zero);
      }
    }
    for (let c = 0; c < full; c += 4) transformPatch(tab, <usize>c << 2, 4, dst, plane);
    if (rest > 0) transformPatch(tab, <usize>full << 2, rest, dst, plane);
    if (++tx == tilesW) {
      tx = 0;
      if (++ty == tilesH) {
        ty = 0;
        img++;
      }
    }
  }
  // Rows of the last block's padding tiles: zeros (their GEMM results are never read).
  for (let k = count; k < countP; k++) {
    const dst = v + <usize>k * stride;
    for (let p = 0; p < 16; p++) {
      for (let c = 0; c < ciP; c += 4) v128.store(dst + <usize>p * plane + (<usize>c << 2), f32x4.splat(0));
    }
  }
}

/**
 * V = B^T d B for 4 channels (n of them real) of one patch, written to positions 0..15 at
 * dst + off + p * plane. Row by row of B^T d (row 0: d0 - d2, 1: d1 + d2, 2: d2 - d1, 3: d1 - d3),
 * each followed by its column pass, so at most ~12 vectors are live (no spills).
 */
@inline function transformPatch(tab: usize, off: usize, n: i32, dst: usize, plane: usize): void {
  const o = dst + off;
  const d10 = px(tab, 4, off, n), d11 = px(tab, 5, off, n), d12 = px(tab, 6, off, n), d13 = px(tab, 7, off, n);
  const d20 = px(tab, 8, off, n), d21 = px(tab, 9, off, n), d22 = px(tab, 10, off, n), d23 = px(tab, 11, off, n);
  rowOut(o, plane * 4, plane, f32x4.add(d10, d20), f32x4.add(d11, d21), f32x4.add(d12, d22), f32x4.add(d13, d23));
  rowOut(o, plane * 8, plane, f32x4.sub(d20, d10), f32x4.sub(d21, d11), f32x4.sub(d22, d12), f32x4.sub(d23, d13));
  rowOut(
    o, 0, plane,
    f32x4.sub(px(tab, 0, off, n), d20), f32x4.sub(px(tab, 1, off, n), d21),
    f32x4.sub(px(tab, 2, off, n), d22), f32x4.sub(px(tab, 3, off, n), d23),
  );
  rowOut(
    o, plane * 12, plane,
    f32x4.sub(d10, px(tab, 12, off, n)), f32x4.sub(d11, px(tab, 13, off, n)),
    f32x4.sub(d12, px(tab, 14, off, n)), f32x4.sub(d13, px(tab, 15, off, n)),
  );
}

/** Pixel `i` of the patch (pointer table `tab`), channels at byte offset `off`, `n` of them (4 or a tail). */
@inline function px(tab: usize, i: i32, off: usize, n: i32): v128 {
  const p = load<usize>(tab + (<usize>i << 2)) + off;
  return n == 4 ? v128.load(p) : loadPartial(p, n);
}

/** Column pass of one row of B^T d: positions (row, 0..3) at o + first + j * plane. */
@inline function rowOut(o: usize, first: usize, plane: usize, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const p = o + first;
  v128.store(p, f32x4.sub(a0, a2));
  v128.store(p + plane, f32x4.add(a1, a2));
  v128.store(p + 2 * plane, f32x4.sub(a2, a1));
  v128.store(p + 3 * plane, f32x4.sub(a1, a3));
}


/**
 * Output transform of tiles tile0 .. tile0 + count - 1 from m [T, 16, coP] (tile stride
 * `tileBytes(coP)`): Y = A^T M A,
 * A^T = [[1,1,1,0],[0,1,-1,-1]], written to out [N, ho, wo, co] (outputs beyond ho/wo dropped) as
 * pmax(Y + bias[c], lo) (`bias` 0: none; lo = 0: ReLU, -Infinity: identity, NaN kept either way).
 */
function outputTransform(
  m: usize, t: i32, co: i32, ho: i32, wo: i32, tilesH: i32, tilesW: i32, tile0: i32, count: i32, out: usize,
  bias: usize, lo: v128,
): void {
  const coP = roundUp(co, 8);
  const plane = <usize>coP << 2;
  const stride = tileBytes(coP);
  const full = co & ~3;
  const rest = co - full;
  const perImage = tilesH * tilesW;
  const rowBytes = <usize>(wo * co) << 2;
  const pixBytes = <usize>co << 2;
  let img = tile0 / perImage;
  let ty = (tile0 - img * perImage) / tilesW;
  let tx = tile0 - img * perImage - ty * tilesW;
  for (let k = 0; k < count; k++) {
    const oy = 2 * ty;
    const ox = 2 * tx;
    const down = oy + 1 < ho;
    const right = ox + 1 < wo;
    const o00 = out + <usize>(img * ho + oy) * rowBytes + <usize>ox * pixBytes;
    const src = m + <usize>k * stride;
    if (down && right) {
      for (let c = 0; c < full; c += 4) {
        outputTile(src + (<usize>c << 2), plane, o00 + (<usize>c << 2), rowBytes, pixBytes, 4, true, true, biasAt(bias, c, 4), lo);
      }
    } else {
      for (let c = 0; c < full; c += 4) {
        outputTile(src + (<usize>c << 2), plane, o00 + (<usize>c << 2), rowBytes, pixBytes, 4, down, right, biasAt(bias, c, 4), lo);
      }
    }
    if (rest > 0) {
      outputTile(src + (<usize>full << 2), plane, o00 + (<usize>full << 2), rowBytes, pixBytes, rest, down, right, biasAt(bias, full, rest), lo);
    }
    if (++tx == tilesW) {
      tx = 0;
      if (++ty == tilesH) {
        ty = 0;
        img++;
      }
    }
  }
}

/** Bias of channels c .. c + n - 1 (zeros when `bias` is 0: none). */
@inline function biasAt(bias: usize, c: i32, n: i32): v128 {
  if (bias == 0) return f32x4.splat(0);
  const p = bias + (<usize>c << 2);
  return n == 4 ? v128.load(p) : loadPartial(p, n);
}

/**
 * Y = A^T M A for 4 channels (n of them real) of one tile: M's 16 positions at p + i * plane, Y's
 * 2x2 at q, each stored as pmax(Y + b, lo).
 */
@inline function outputTile(
  p: usize, plane: usize, q: usize, rowBytes: usize, pixBytes: usize, n: i32, down: bool, right: bool, b: v128, lo: v128,
): void {
  // Row pass: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 per column j.
  let m0 = v128.load(p), m1 = v128.load(p + 4 * plane), m2 = v128.load(p + 8 * plane), m3 = v128.load(p + 12 * plane);
  const s00 = f32x4.add(f32x4.add(m0, m1), m2), s10 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(p + plane); m1 = v128.load(p + 5 * plane); m2 = v128.load(p + 9 * plane); m3 = v128.load(p + 13 * plane);
  const s01 = f32x4.add(f32x4.add(m0, m1), m2), s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(p + 2 * plane); m1 = v128.load(p + 6 * plane); m2 = v128.load(p + 10 * plane); m3 = v128.load(p + 14 * plane);
  const s02 = f32x4.add(f32x4.add(m0, m1), m2), s12 = f32x4.sub(f32x4.sub(m1, m2), m3);
  m0 = v128.load(p + 3 * plane); m1 = v128.load(p + 7 * plane); m2 = v128.load(p + 11 * plane); m3 = v128.load(p + 15 * plane);
  const s03 = f32x4.add(f32x4.add(m0, m1), m2), s13 = f32x4.sub(f32x4.sub(m1, m2), m3);
  put(q, act(f32x4.add(f32x4.add(s00, s01), s02), b, lo), n);
  if (right) put(q + pixBytes, act(f32x4.sub(f32x4.sub(s01, s02), s03), b, lo), n);
  if (down) {
    put(q + rowBytes, act(f32x4.add(f32x4.add(s10, s11), s12), b, lo), n);
    if (right) put(q + rowBytes + pixBytes, act(f32x4.sub(f32x4.sub(s11, s12), s13), b, lo), n);
  }
}

/**
 * pmax(y + b, lo): pmax(a, l) = a < l ? l : a, one maxps on x86 (f32x4.max needs NaN/-0 fix-ups),
 * so NaN passes through as in tfjs's relu (x < 0 ? 0 : x).
 */
@inline function act(y: v128, b: v128, lo: v128): v128 {
  return f32x4.pmax(f32x4.add(y, b), lo);
}

@inline function put(p: usize, v: v128, n: i32): void {
  if (n == 4) v128.store(p, v);
  else storePartial(p, v, n);
}

/**
 * out [n, ho, wo, co] = conv(x [n, h, w, ci], filter) with the filter already transformed into u
 * [16, ci, roundUp(co, 8)] by `winogradFilter`; x padded by padTop/padLeft zeros above/left (the
 * bottom/right padding is implied by ho, wo: ho = h + padTop + padBottom - 2). `scratch` holds
 * `winogradScratchBytes(ci, co, blockTiles)` bytes, 16-byte aligned. Fused epilogue: `bias` [co]
 * (0: none) added per output channel, then max(0, .) when `relu` is 1 (both 0 for a plain conv).
 */
export function winogradConv3x3(
  x: usize, n: i32, h: i32, w: i32, ci: i32, u: usize, co: i32, padTop: i32, padLeft: i32, ho: i32, wo: i32,
  out: usize, scratch: usize, blockTiles: i32, bias: usize, relu: i32,
): void {
  const lo = relu != 0 ? f32x4.splat(0) : f32x4.splat(-Infinity);
  const t = roundUp(blockTiles, 4);
  const ciP = roundUp(ci, 4);
  const coP = roundUp(co, 8);
  const vTile = tileBytes(ciP);
  const mTile = tileBytes(coP);
  const v = scratch;
  const m = v + <usize>t * vTile;
  const zero = m + <usize>t * mTile;
  const tab = zero + (<usize>ciP << 2);
  for (let c = 0; c < ciP; c += 4) v128.store(zero + (<usize>c << 2), f32x4.splat(0));
  const tilesH = (ho + 1) >> 1;
  const tilesW = (wo + 1) >> 1;
  const total = n * tilesH * tilesW;
  const uPlane = <usize>(ci * coP) << 2;
  for (let tile0 = 0; tile0 < total; tile0 += t) {
    const count = min(t, total - tile0);
    const countP = roundUp(count, 4);
    inputTransform(x, h, w, ci, padTop, padLeft, tilesH, tilesW, tile0, count, countP, t, v, zero, tab);
    for (let p = 0; p < 16; p++) {
      gemm(v + (<usize>(p * ciP) << 2), vTile, u + <usize>p * uPlane, m + (<usize>(p * coP) << 2), mTile, countP, ci, coP);
    }
    outputTransform(m, t, co, ho, wo, tilesH, tilesW, tile0, count, out, bias, lo);
  }
}
