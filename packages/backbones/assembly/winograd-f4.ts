// Winograd F(4x4, 3x3) convolution, stride 1, dilation 1, NHWC, explicit zero padding: the same
// structure as winograd.ts (F(2x2, 3x3)) with 6x6 input patches, 36 positions and 4x4 output tiles:
// 36 multiplications per 16 outputs (4x fewer than direct convolution, against 2.25x for F(2x2)),
// at the price of larger transform constants (points 0, +-1, +-2; constants 1/24 .. 8): float32
// error ~5e-6 of the output's scale at 16-64 channels, 1-2.5e-5 at 256-512 (F(2x2): ~1e-6), still
// below the 1e-4 the tests demand. Lavin & Gray's matrices:
//   B^T = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]
//   G   = [[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]]
//   A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
// Scratch layout: V [T, 36, CiP], M [T, 36, CoP] (tile stride an odd multiple of 64 bytes), then
// a zero pixel, the 36-entry patch pointer table and 36 vectors of transform workspace.
// Optional epilogue in the output transform (the inference FusedConv2D): + bias[co], max(0, .).

import { gemm } from './shared/gemm-4x8';
import { loadPartial, roundUp, storePartial } from './shared/vector-tails';

@inline function loadN(p: usize, n: i32): v128 {
  return n == 4 ? v128.load(p) : loadPartial(p, n);
}

@inline function storeN(p: usize, v: v128, n: i32): void {
  if (n == 4) {
    v128.store(p, v);
    return;
  }
  storePartial(p, v, n);
}

@inline function tileBytes(cols: i32): usize {
  return <usize>((cols * 36 * 4 + 63) & ~63 | 64);
}

@inline function mul(a: v128, k: f32): v128 {
  return f32x4.mul(a, f32x4.splat(k));
}

/**
 * G g G^T for 4 lanes of 3x3 taps (tap (i, j) at g + (i * sI + j * sJ) * 4 bytes, `n` lanes
 * real): 36 vectors to `tmp` (position-major; tmp holds 6 x 6 vectors).
 */
function filterTile(g: usize, sI: i32, sJ: i32, n: i32, tmp: usize): void {
  // Rows: q = G g (6 x 3) into tmp rows 0..5, columns 0..2.
  for (let j = 0; j < 3; j++) {
    const g0 = loadN(g + <usize>(j * sJ << 2), n);
    const g1 = loadN(g + <usize>((sI + j * sJ) << 2), n);
    const g2 = loadN(g + <usize>((2 * sI + j * sJ) << 2), n);
    transform3(tmp + (<usize>j << 4), 96, g0, g1, g2);
  }
  // Columns: u = q G^T, row by row in place (q[i][0..2] read before u[i][0..5] written).
  for (let i = 0; i < 6; i++) {
    const r = tmp + <usize>i * 96;
    transform3(r, 16, v128.load(r), v128.load(r, 16), v128.load(r, 32));
  }
}

/** The 6 values G [a, b, c]^T at p + k * stride. */
@inline function transform3(p: usize, stride: usize, a: v128, b: v128, c: v128): void {
  const ac = f32x4.add(mul(a, 1.0 / 24.0), mul(c, 1.0 / 6.0));
  const s = f32x4.add(a, c);
  v128.store(p, mul(a, 0.25));
  v128.store(p + stride, mul(f32x4.add(s, b), -1.0 / 6.0));
  v128.store(p + 2 * stride, mul(f32x4.sub(s, b), -1.0 / 6.0));
  v128.store(p + 3 * stride, f32x4.add(ac, mul(b, 1.0 / 12.0)));
  v128.store(p + 4 * stride, f32x4.sub(ac, mul(b, 1.0 / 12.0)));
  v128.store(p + 5 * stride, c);
}

/**
 * The transformed filter u [36, ci, coP] (coP = co rounded up to 8, columns co..coP zero) from g
 * [3, 3, ci, co] (flipped = 0) or from g [3, 3, co, ci] flipped in space with channels swapped
 * (flipped = 1: the stride-1 input gradient). `tmp`: 576 bytes, 16-byte aligned.
 */
export function winogradF4Filter(g: usize, ci: i32, co: i32, flipped: i32, u: usize, tmp: usize): void {
  const coP = roundUp(co, 8);
  const plane = <usize>(ci * coP) << 2;
  const tapStride = ci * co;
  if (flipped == 0) {
    for (let a = 0; a < ci; a++) {
      for (let b = 0; b < coP; b += 4) {
        const dst = u + (<usize>(a * coP + b) << 2);
        const n = min(4, co - b);
        if (n <= 0) {
          for (let p = 0; p < 36; p++) v128.store(dst + <usize>p * plane, f32x4.splat(0));
          continue;
        }
        filterTile(g + (<usize>(a * co + b) << 2), 3 * tapStride, tapStride, n, tmp);
        for (let p = 0; p < 36; p++) v128.store(dst + <usize>p * plane, v128.load(tmp + (<usize>p << 4)));
      }
    }
    return;
  }
  for (let a = 0; a < ci; a++) {
    for (let b = co; b < coP; b++) {
      for (let p = 0; p < 36; p++) store<f32>(u + <usize>p * plane + (<usize>(a * coP + b) << 2), 0);
    }
  }
  const last = g + (<usize>(8 * tapStride) << 2); // tap (2, 2): u's tap (0, 0)
  const laneStride = <usize>coP << 2;
  for (let b = 0; b < co; b++) {
    for (let a = 0; a < ci; a += 4) {
      const n = min(4, ci - a);
      filterTile(last + (<usize>(b * ci + a) << 2), -3 * tapStride, -tapStride, n, tmp);
      const dst = u + (<usize>(a * coP + b) << 2);
      for (let p = 0; p < 36; p++) {
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

/** Bytes of scratch `winogradF4Conv3x3` needs (beyond the transformed filter). */
export function winogradF4ScratchBytes(ci: i32, co: i32, blockTiles: i32): i32 {
  const t = roundUp(blockTiles, 4);
  return t * <i32>tileBytes(roundUp(ci, 4)) + t * <i32>tileBytes(roundUp(co, 8)) + roundUp(ci, 4) * 4 + 36 * 4 + 36 * 16 + 32;
}

/** B^T applied to the 6 values a0..a5, written to q + k * outStride. */
@inline function inputTransform6(
  a0: v128, a1: v128, a2: v128, a3: v128, a4: v128, a5: v128, q: usize, outStride: usize,
): void {
  const four = f32x4.splat(4);
  const t = f32x4.sub(a4, f32x4.mul(four, a2)); // d4 - 4 d2
  const u = f32x4.sub(a3, f32x4.mul(four, a1)); // d3 - 4 d1
  const v = f32x4.sub(a4, a2);
  const w = f32x4.add(f32x4.sub(a3, a1), f32x4.sub(a3, a1)); // 2 (d3 - d1)
  v128.store(q, f32x4.add(f32x4.mul(four, f32x4.sub(a0, a2)), v)); // 4 d0 - 5 d2 + d4
  v128.store(q + outStride, f32x4.add(t, u));
  v128.store(q + 2 * outStride, f32x4.sub(t, u));
  v128.store(q + 3 * outStride, f32x4.add(v, w));
  v128.store(q + 4 * outStride, f32x4.sub(v, w));
  v128.store(q + 5 * outStride, f32x4.add(f32x4.mul(four, f32x4.sub(a1, a3)), f32x4.sub(a5, a3))); // 4 d1 - 5 d3 + d5
}

function inputTransform(
  x: usize, h: i32, w: i32, ci: i32, padTop: i32, padLeft: i32, tilesH: i32, tilesW: i32,
  tile0: i32, count: i32, countP: i32, v: usize, zero: usize, tab: usize, tmp: usize,
): void {
  const ciP = roundUp(ci, 4);
  const plane = <usize>ciP << 2;
  const stride = tileBytes(ciP);
  const perImage = tilesH * tilesW;
  const rowBytes = <usize>(w * ci) << 2;
  let img = tile0 / perImage;
  let ty = (tile0 - img * perImage) / tilesW;
  let tx = tile0 - img * perImage - ty * tilesW;
  for (let k = 0; k < count; k++) {
    const dst = v + <usize>k * stride;
    const y0 = 4 * ty - padTop;
    const x0 = 4 * tx - padLeft;
    const imgBase = x + (<usize>(img * h) * rowBytes);
    for (let r = 0; r < 6; r++) {
      const yy = y0 + r;
      const rowOk = yy >= 0 && yy < h;
      const rowBase = imgBase + <usize>yy * rowBytes;
      for (let s = 0; s < 6; s++) {
        const xx = x0 + s;
        store<usize>(tab + (<usize>(r * 6 + s) << 2), rowOk && xx >= 0 && xx < w ? rowBase + (<usize>(xx * ci) << 2) : zero);
      }
    }
    for (let c = 0; c < ciP; c += 4) {
      const off = <usize>c << 2;
      const n = min(4, ci - c);
      // Pass 1 per column s: B^T over the 6 rows -> tmp[i][s]; pass 2 per row i: over columns -> V.
      for (let s = 0; s < 6; s++) {
        const t = tab + (<usize>s << 2);
        inputTransform6(
          loadN(load<usize>(t) + off, n), loadN(load<usize>(t, 24) + off, n), loadN(load<usize>(t, 48) + off, n),
          loadN(load<usize>(t, 72) + off, n), loadN(load<usize>(t, 96) + off, n), loadN(load<usize>(t, 120) + off, n),
          tmp + (<usize>s << 4), 96,
        );
      }
      for (let i = 0; i < 6; i++) {
        const r = tmp + <usize>i * 96;
        inputTransform6(
          v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80),
          dst + off + <usize>(i * 6) * plane, plane,
        );
      }
    }
    if (++tx == tilesW) {
      tx = 0;
      if (++ty == tilesH) {
        ty = 0;
        img++;
      }
    }
  }
  for (let k = count; k < countP; k++) {
    const dst = v + <usize>k * stride;
    for (let p = 0; p < 36; p++) {
      for (let c = 0; c < ciP; c += 4) v128.store(dst + <usize>p * plane + (<usize>c << 2), f32x4.splat(0));
    }
  }
}


/** A^T applied to 6 values: the 4 results at q + k * outStride. */
@inline function outputTransform6(
  m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, q: usize, outStride: usize,
): void {
  const s12 = f32x4.add(m1, m2);
  const d12 = f32x4.sub(m1, m2);
  const s34 = f32x4.add(m3, m4);
  const d34 = f32x4.sub(m3, m4);
  v128.store(q, f32x4.add(f32x4.add(m0, s12), s34));
  v128.store(q + outStride, f32x4.add(d12, f32x4.add(d34, d34)));
  v128.store(q + 2 * outStride, f32x4.add(s12, f32x4.mul(s34, f32x4.splat(4))));
  v128.store(q + 3 * outStride, f32x4.add(f32x4.add(d12, f32x4.mul(d34, f32x4.splat(8))), m5));
}

/**
 * Y = A^T M A of tiles tile0 .. tile0 + count - 1 from m [T, 36, coP] into out [N, ho, wo, co]
 * (outputs beyond ho/wo dropped), stored as pmax(Y + bias[c], lo) (`bias` 0: none; lo = 0: ReLU,
 * -Infinity: identity; pmax(a, l) = a < l ? l : a is one maxps and keeps NaN, as tfjs's relu).
 */
function outputTransform(
  m: usize, co: i32, ho: i32, wo: i32, tilesH: i32, tilesW: i32, tile0: i32, count: i32, out: usize, tmp: usize,
  bias: usize, lo: v128,
): void {
  const coP = roundUp(co, 8);
  const plane = <usize>coP << 2;
  const stride = tileBytes(coP);
  const perImage = tilesH * tilesW;
  const rowBytes = <usize>(wo * co) << 2;
  const pixBytes = <usize>co << 2;
  let img = tile0 / perImage;
  let ty = (tile0 - img * perImage) / tilesW;
  let tx = tile0 - img * perImage - ty * tilesW;
  for (let k = 0; k < count; k++) {
    const oy = 4 * ty;
    const ox = 4 * tx;
    const rows = min(4, ho - oy);
    const cols = min(4, wo - ox);
    const o00 = out + <usize>(img * ho + oy) * rowBytes + <usize>ox * pixBytes;
    const src = m + <usize>k * stride;
    for (let c = 0; c < co; c += 4) {
      const off = <usize>c << 2;
      const n = min(4, co - c);
      const p = src + off;
      const bv = bias == 0 ? f32x4.splat(0) : loadN(bias + off, n);
      // Pass 1 per column j: A^T over the 6 rows -> tmp[a][j] (4 x 6); pass 2 per output row a.
      for (let j = 0; j < 6; j++) {
        const q = p + <usize>j * plane;
        outputTransform6(
          v128.load(q), v128.load(q + 6 * plane), v128.load(q + 12 * plane),
          v128.load(q + 18 * plane), v128.load(q + 24 * plane), v128.load(q + 30 * plane),
          tmp + (<usize>j << 4), 96,
        );
      }
      for (let a = 0; a < rows; a++) {
        const r = tmp + <usize>a * 96;
        const y = tmp + 384; // 4 result vectors
        outputTransform6(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80), y, 16);
        const row = o00 + <usize>a * rowBytes + off;
        for (let b = 0; b < cols; b++) {
          storeN(row + <usize>b * pixBytes, f32x4.pmax(f32x4.add(v128.load(y + (<usize>b << 4)), bv), lo), n);
        }
      }
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

/**
 * out [n, ho, wo, co] = conv(x [n, h, w, ci], filter) with u [36, ci, roundUp(co, 8)] from
 * `winogradF4Filter`; x padded by padTop/padLeft zeros above/left (bottom/right implied by ho, wo:
 * ho = h + padTop + padBottom - 2). `scratch`: `winogradF4ScratchBytes(ci, co, blockTiles)` bytes,
 * 16-byte aligned. Fused epilogue: `bias` [co] (0: none) added per output channel, then max(0, .)
 * when `relu` is 1 (both 0 for a plain conv).
 */
export function winogradF4Conv3x3(
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
  const tmp = (tab + 36 * 4 + 15) & ~15;
  for (let c = 0; c < ciP; c += 4) v128.store(zero + (<usize>c << 2), f32x4.splat(0));
  const tilesH = (ho + 3) >> 2;
  const tilesW = (wo + 3) >> 2;
  const total = n * tilesH * tilesW;
  const uPlane = <usize>(ci * coP) << 2;
  for (let tile0 = 0; tile0 < total; tile0 += t) {
    const count = min(t, total - tile0);
    const countP = roundUp(count, 4);
    inputTransform(x, h, w, ci, padTop, padLeft, tilesH, tilesW, tile0, count, countP, v, zero, tab, tmp);
    for (let p = 0; p < 36; p++) {
      gemm(v + (<usize>(p * ciP) << 2), vTile, u + <usize>p * uPlane, m + (<usize>(p * coP) << 2), mTile, countP, ci, coP);
    }
    outputTransform(m, co, ho, wo, tilesH, tilesW, tile0, count, out, tmp, bias, lo);
  }
}
