// Conv2DBackpropFilter of a 3x3, stride-1 NHWC convolution by Winograd F(2x2, 3x3): 2.25x fewer
// multiplications than the direct kernel (conv-filter-gradient.ts), for Ci and Co multiples of 4.
//
// dW[i, j, c, o] = sum_{n, p, q} xpad[n, p + i - top, q + j - left, c] * dy[n, p, q, o] is, per
// 2x2 block of output pixels (a tile: dy g [2, 2], x d [4, 4] under it), the transpose of
// F(2x2, 3x3) (Lavin and Gray 2016): dW = G'^T [ sum over tiles (A' g A'^T) . (B^T d B) ] G', with
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A' = [1 0; 1 1; 1 -1; 0 1],
//   G'  = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 -1]       (A' and G' are F(2, 3)'s A and G with the
//   last row negated, which cancels in the product and spares a negation per dy tile).
// The sum over tiles is, per position xi of the 4x4 transform, a GEMM U[xi] [Ci, Co] +=
// Xt[xi] [T, Ci]^T Dt[xi] [T, Co] over a chunk of T tiles, with the direct kernel's 4 x 8 register
// tiles (vectorised over Co). Chunks are whole images or bands of tile rows of one image; x is
// copied per chunk into zero-padded rows as in the direct kernel, dy tiles past the last row or
// column read as zeros.

/** Bytes of scratch `convFilterGradientWinograd` needs (16-byte multiples when ci, co are multiples of 4). */
export function convFilterGradientWinogradScratchBytes(
  ci: i32, co: i32, wp: i32, tileRowsPerChunk: i32, imagesPerChunk: i32, tileCols: i32,
): i32 {
  const tiles = imagesPerChunk * tileRowsPerChunk * tileCols;
  const padded = imagesPerChunk * (2 * tileRowsPerChunk + 2) * wp * ci;
  return 4 * (16 * ci * co + 16 * (tiles * (ci + co) + 2 * SKEW) + padded);
}

/**
 * Floats added to the stride between the 16 slices of Xt and Dt: with strides a multiple of 4 KiB
 * (e.g. 128 tiles x 64 channels) the 16 stores of one transformed tile fall into one L1 set and
 * evict each other (a 7x7 64->64 layer spent 3x longer in the transforms).
 */
const SKEW: i32 = 16;

/**
 * dw [3, 3, ci, co] of x [n, h, w, ci] and dy [n, ho, wo, co] (stride 1, padding top/left, ci and co
 * multiples of 4). `wp` >= max(left + w, 2 * ceil(wo / 2) + 2) is the padded row width; scratch per
 * `convFilterGradientWinogradScratchBytes`, 16-byte aligned.
 */
export function convFilterGradientWinograd(
  x: usize, dy: usize, dw: usize, scratch: usize,
  n: i32, h: i32, w: i32, ci: i32, ho: i32, wo: i32, co: i32, top: i32, left: i32, wp: i32,
  tileRowsPerChunk: i32, imagesPerChunk: i32,
): void {
  const tileRows = (ho + 1) >> 1;
  const tileCols = (wo + 1) >> 1;
  const maxTiles = imagesPerChunk * tileRowsPerChunk * tileCols;
  const u = scratch;
  const xt = u + (<usize>(16 * ci * co) << 2);
  const dt = xt + (<usize>(16 * (maxTiles * ci + SKEW)) << 2);
  const xs = dt + (<usize>(16 * (maxTiles * co + SKEW)) << 2);
  const xsImg = (2 * tileRowsPerChunk + 2) * wp * ci;
  fill(u, 16 * ci * co, 0);
  for (let img0 = 0; img0 < n; img0 += imagesPerChunk) {
    const nImg = min(imagesPerChunk, n - img0);
    for (let r0 = 0; r0 < tileRows; r0 += tileRowsPerChunk) {
      const r1 = min(r0 + tileRowsPerChunk, tileRows);
      const tiles = nImg * (r1 - r0) * tileCols;
      let t = 0;
      for (let im = 0; im < nImg; im++) {
        const xsi = xs + (<usize>(im * xsImg) << 2);
        padRows(x + (<usize>((img0 + im) * h * w * ci) << 2), xsi, 2 * r0 - top, 2 * (r1 - r0) + 2, h, w, ci, left, wp);
        const dyi = dy + (<usize>((img0 + im) * ho * wo * co) << 2);
        for (let r = r0; r < r1; r++) {
          for (let s = 0; s < tileCols; s++) {
            const xTile = xsi + (<usize>(((2 * (r - r0)) * wp + 2 * s) * ci) << 2);
            transformX(xTile, <usize>(wp * ci) << 2, ci, xt + (<usize>(t * ci) << 2), <usize>(tiles * ci + SKEW) << 2);
            const dyTile = dyi + (<usize>((2 * r * wo + 2 * s) * co) << 2);
            transformDy(dyTile, <usize>(wo * co) << 2, 2 * r + 1 < ho, 2 * s + 1 < wo, co, dt + (<usize>(t * co) << 2), <usize>(tiles * co + SKEW) << 2);
            t++;
          }
        }
      }
      for (let xi = 0; xi < 16; xi++) {
        const xSlice = xt + (<usize>(xi * (tiles * ci + SKEW)) << 2);
        const dSlice = dt + (<usize>(xi * (tiles * co + SKEW)) << 2);
        gemm(xSlice, dSlice, u + (<usize>(xi * ci * co) << 2), tiles, ci, co);
      }
    }
  }
  transformOutput(u, dw, ci, co);
}

/**
 * Xt[xi][t][c..c+3] = (B^T d B)[xi] for the 4x4 x tile at `p` (rows `rowStride` bytes apart), all ci.
 * One row of B^T d at a time (each from two input rows): few live registers, no spills.
 */
function transformX(p: usize, rowStride: usize, ci: i32, out: usize, xiStride: usize): void {
  const pix = <usize>ci << 2;
  const p1 = p + rowStride;
  const p2 = p1 + rowStride;
  const p3 = p2 + rowStride;
  const rowOut = xiStride << 2;
  for (let c = 0; c < ci; c += 4) {
    const o = <usize>c << 2;
    const q = out + o;
    // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3.
    storeRow(q, xiStride,
      f32x4.sub(v128.load(p + o), v128.load(p2 + o)), f32x4.sub(v128.load(p + pix + o), v128.load(p2 + pix + o)),
      f32x4.sub(v128.load(p + 2 * pix + o), v128.load(p2 + 2 * pix + o)), f32x4.sub(v128.load(p + 3 * pix + o), v128.load(p2 + 3 * pix + o)));
    storeRow(q + rowOut, xiStride,
      f32x4.add(v128.load(p1 + o), v128.load(p2 + o)), f32x4.add(v128.load(p1 + pix + o), v128.load(p2 + pix + o)),
      f32x4.add(v128.load(p1 + 2 * pix + o), v128.load(p2 + 2 * pix + o)), f32x4.add(v128.load(p1 + 3 * pix + o), v128.load(p2 + 3 * pix + o)));
    storeRow(q + 2 * rowOut, xiStride,
      f32x4.sub(v128.load(p2 + o), v128.load(p1 + o)), f32x4.sub(v128.load(p2 + pix + o), v128.load(p1 + pix + o)),
      f32x4.sub(v128.load(p2 + 2 * pix + o), v128.load(p1 + 2 * pix + o)), f32x4.sub(v128.load(p2 + 3 * pix + o), v128.load(p1 + 3 * pix + o)));
    storeRow(q + 3 * rowOut, xiStride,
      f32x4.sub(v128.load(p1 + o), v128.load(p3 + o)), f32x4.sub(v128.load(p1 + pix + o), v128.load(p3 + pix + o)),
      f32x4.sub(v128.load(p1 + 2 * pix + o), v128.load(p3 + 2 * pix + o)), f32x4.sub(v128.load(p1 + 3 * pix + o), v128.load(p3 + 3 * pix + o)));
  }
}

/** Stores the 4 values (v0 - v2, v1 + v2, v2 - v1, v1 - v3) of one row times B at q, q + s, q + 2s, q + 3s. */
// @ts-ignore: decorator
@inline
function storeRow(q: usize, s: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  v128.store(q, f32x4.sub(v0, v2));
  v128.store(q + s, f32x4.add(v1, v2));
  v128.store(q + 2 * s, f32x4.sub(v2, v1));
  v128.store(q + 3 * s, f32x4.sub(v1, v3));
}

/**
 * Dt[xi][t][o..o+3] = (A' g A'^T)[xi] for the 2x2 dy tile at `p` (rows `rowStride` bytes apart),
 * all co; the second row / column reads as zeros past the image (`row1`, `col1` false).
 */
function transformDy(p: usize, rowStride: usize, row1: bool, col1: bool, co: i32, out: usize, xiStride: usize): void {
  const pix = <usize>co << 2;
  const zero = f32x4.splat(0);
  for (let o = 0; o < co; o += 4) {
    const b = <usize>o << 2;
    const g00 = v128.load(p + b);
    const g01 = col1 ? v128.load(p + pix + b) : zero;
    const g10 = row1 ? v128.load(p + rowStride + b) : zero;
    const g11 = row1 && col1 ? v128.load(p + rowStride + pix + b) : zero;
    // Rows of A' g: g0, g0 + g1, g0 - g1, g1; then each row (r0, r1) times A'^T: r0, r0 + r1, r0 - r1, r1.
    let q = out + b;
    q = storeDyRow(q, xiStride, g00, g01);
    q = storeDyRow(q, xiStride, f32x4.add(g00, g10), f32x4.add(g01, g11));
    q = storeDyRow(q, xiStride, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
    storeDyRow(q, xiStride, g10, g11);
  }
}

// @ts-ignore: decorator
@inline
function storeDyRow(q: usize, s: usize, r0: v128, r1: v128): usize {
  v128.store(q, r0);
  v128.store(q + s, f32x4.add(r0, r1));
  v128.store(q + 2 * s, f32x4.sub(r0, r1));
  v128.store(q + 3 * s, r1);
  return q + 4 * s;
}

/** u [ci, co] += xt [tiles, ci]^T dt [tiles, co] in 4 x 8 (and 4 x 4) register tiles. */
function gemm(xt: usize, dt: usize, u: usize, tiles: i32, ci: i32, co: i32): void {
  const xPix = <usize>ci << 2;
  const dPix = <usize>co << 2;
  const co8 = co & ~7;
  for (let m0 = 0; m0 < ci; m0 += 4) {
    const xp = xt + (<usize>m0 << 2);
    const acc = u + (<usize>(m0 * co) << 2);
    for (let o0 = 0; o0 < co8; o0 += 8) tile4x8(xp, dt + (<usize>o0 << 2), acc + (<usize>o0 << 2), tiles, xPix, dPix);
    if (co > co8) tile4x4(xp, dt + (<usize>co8 << 2), acc + (<usize>co8 << 2), tiles, xPix, dPix);
  }
}

/** 4 m x 8 o over `count` contiguous tiles: 8 accumulators (acc rows `dPix` bytes apart, as dt's). */
function tile4x8(xp: usize, dp: usize, acc: usize, count: i32, xPix: usize, dPix: usize): void {
  const acc1 = acc + dPix;
  const acc2 = acc1 + dPix;
  const acc3 = acc2 + dPix;
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  let b0 = v128.load(acc1), b1 = v128.load(acc1, 16);
  let c0 = v128.load(acc2), c1 = v128.load(acc2, 16);
  let d0 = v128.load(acc3), d1 = v128.load(acc3, 16);
  let xq = xp;
  let dq = dp;
  for (let t = 0; t < count; t++) {
    const y0 = v128.load(dq);
    const y1 = v128.load(dq, 16);
    let s = v128.load32_splat(xq);
    a0 = f32x4.add(a0, f32x4.mul(s, y0));
    a1 = f32x4.add(a1, f32x4.mul(s, y1));
    s = v128.load32_splat(xq, 4);
    b0 = f32x4.add(b0, f32x4.mul(s, y0));
    b1 = f32x4.add(b1, f32x4.mul(s, y1));
    s = v128.load32_splat(xq, 8);
    c0 = f32x4.add(c0, f32x4.mul(s, y0));
    c1 = f32x4.add(c1, f32x4.mul(s, y1));
    s = v128.load32_splat(xq, 12);
    d0 = f32x4.add(d0, f32x4.mul(s, y0));
    d1 = f32x4.add(d1, f32x4.mul(s, y1));
    xq += xPix;
    dq += dPix;
  }
  v128.store(acc, a0); v128.store(acc, a1, 16);
  v128.store(acc1, b0); v128.store(acc1, b1, 16);
  v128.store(acc2, c0); v128.store(acc2, c1, 16);
  v128.store(acc3, d0); v128.store(acc3, d1, 16);
}

/** 4 m x 4 o (co % 8 == 4). */
function tile4x4(xp: usize, dp: usize, acc: usize, count: i32, xPix: usize, dPix: usize): void {
  const acc1 = acc + dPix;
  const acc2 = acc1 + dPix;
  const acc3 = acc2 + dPix;
  let a0 = v128.load(acc), b0 = v128.load(acc1), c0 = v128.load(acc2), d0 = v128.load(acc3);
  let xq = xp;
  let dq = dp;
  for (let t = 0; t < count; t++) {
    const y0 = v128.load(dq);
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xq), y0));
    b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(xq, 4), y0));
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(xq, 8), y0));
    d0 = f32x4.add(d0, f32x4.mul(v128.load32_splat(xq, 12), y0));
    xq += xPix;
    dq += dPix;
  }
  v128.store(acc, a0); v128.store(acc1, b0); v128.store(acc2, c0); v128.store(acc3, d0);
}

/** dw [3, 3, ci, co] = G'^T U G' per (c, o), U [16, ci, co] (xi = 4a + b). */
function transformOutput(u: usize, dw: usize, ci: i32, co: i32): void {
  const plane = <usize>(ci * co) << 2;
  const half = f32x4.splat(0.5);
  for (let k = 0; k < ci * co; k += 4) {
    const p = u + (<usize>k << 2);
    // v[a][j] = sum_b U[a][b] G'[b][j]: (u0 + h(u1 + u2), h(u1 - u2), h(u1 + u2) - u3).
    let v00: v128, v01: v128, v02: v128, v10: v128, v11: v128, v12: v128;
    let v20: v128, v21: v128, v22: v128, v30: v128, v31: v128, v32: v128;
    {
      const s = f32x4.mul(half, f32x4.add(v128.load(p + plane), v128.load(p + 2 * plane)));
      v00 = f32x4.add(v128.load(p), s);
      v01 = f32x4.mul(half, f32x4.sub(v128.load(p + plane), v128.load(p + 2 * plane)));
      v02 = f32x4.sub(s, v128.load(p + 3 * plane));
    }
    {
      const q = p + 4 * plane;
      const s = f32x4.mul(half, f32x4.add(v128.load(q + plane), v128.load(q + 2 * plane)));
      v10 = f32x4.add(v128.load(q), s);
      v11 = f32x4.mul(half, f32x4.sub(v128.load(q + plane), v128.load(q + 2 * plane)));
      v12 = f32x4.sub(s, v128.load(q + 3 * plane));
    }
    {
      const q = p + 8 * plane;
      const s = f32x4.mul(half, f32x4.add(v128.load(q + plane), v128.load(q + 2 * plane)));
      v20 = f32x4.add(v128.load(q), s);
      v21 = f32x4.mul(half, f32x4.sub(v128.load(q + plane), v128.load(q + 2 * plane)));
      v22 = f32x4.sub(s, v128.load(q + 3 * plane));
    }
    {
      const q = p + 12 * plane;
      const s = f32x4.mul(half, f32x4.add(v128.load(q + plane), v128.load(q + 2 * plane)));
      v30 = f32x4.add(v128.load(q), s);
      v31 = f32x4.mul(half, f32x4.sub(v128.load(q + plane), v128.load(q + 2 * plane)));
      v32 = f32x4.sub(s, v128.load(q + 3 * plane));
    }
    // dW[i][j] = sum_a G'[a][i] v[a][j]: (v0 + h(v1 + v2), h(v1 - v2), h(v1 + v2) - v3).
    const o = dw + (<usize>k << 2);
    storeColumn(o, plane, v00, v10, v20, v30, half);
    storeColumn(o + plane, plane, v01, v11, v21, v31, half);
    storeColumn(o + 2 * plane, plane, v02, v12, v22, v32, half);
  }
}

/** Kernel column j: dW[0][j], dW[1][j], dW[2][j] at o, o + 3 planes, o + 6 planes. */
// @ts-ignore: decorator
@inline
function storeColumn(o: usize, plane: usize, v0: v128, v1: v128, v2: v128, v3: v128, half: v128): void {
  const s = f32x4.mul(half, f32x4.add(v1, v2));
  v128.store(o, f32x4.add(v0, s));
  v128.store(o + 3 * plane, f32x4.mul(half, f32x4.sub(v1, v2)));
  v128.store(o + 6 * plane, f32x4.sub(s, v3));
}

/** Rows row0 .. row0 + rows - 1 of one image [h, w, ci] into [rows, wp, ci], zero-padded (as in conv-filter-gradient.ts). */
function padRows(src: usize, dst: usize, row0: i32, rows: i32, h: i32, w: i32, ci: i32, left: i32, wp: i32): void {
  const rowLen = wp * ci;
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>(r * rowLen) << 2);
    const y = row0 + r;
    if (y < 0 || y >= h) {
      fill(d, rowLen, 0);
      continue;
    }
    fill(d, left * ci, 0);
    const s = src + (<usize>(y * w * ci) << 2);
    const dd = d + (<usize>(left * ci) << 2);
    for (let k = 0; k < w * ci; k += 4) v128.store(dd + (<usize>k << 2), v128.load(s + (<usize>k << 2)));
    fill(d + (<usize>((left + w) * ci) << 2), (wp - left - w) * ci, 0);
  }
}

/** Sets `count` floats (a multiple of 4 here) at `p` to `value`. */
function fill(p: usize, count: i32, value: f32): void {
  const v = f32x4.splat(value);
  for (let k = 0; k < count; k += 4) v128.store(p + (<usize>k << 2), v);
}
