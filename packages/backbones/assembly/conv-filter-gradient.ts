// Conv2DBackpropFilter (the filter gradient of an NHWC convolution, dilation 1) as a wasm SIMD GEMM.
//
// x [N, H, W, Ci], dy [N, Ho, Wo, Co], dw [kh, kw, Ci, Co], stride (sh, sw), padding (top, left):
//   dw[i, j, c, o] = sum_{n, p, q} xpad[n, p*sh + i - top, q*sw + j - left, c] * dy[n, p, q, o].
// For a fixed kernel row i, the pairs (j, c) flatten to m = j*Ci + c in [0, M = kw*Ci), which is
// also contiguous in x (pixel q*sw + j starts at (q*sw)*Ci + j*Ci): per kernel row a GEMM
//   dw_i[m, o] += sum_{n, p, q} xrow_{n, p*sh+i-top}[(q*sw)*Ci + m] * dy[n, p, q, o]
// with a long reduction (N*Ho*Wo) and a small [M, Co] result.
//
// The reduction is split into chunks (whole images, or a range of output rows of one image) whose
// x rows, copied with zero columns left and right into scratch, and dy rows stay in L1/L2 while
// every output tile sweeps them. Output tiles of 4 m x 8 o keep 8 f32x4 accumulators in registers
// (vectorised over Co; one broadcast x value per m and pixel). Rows outside the image are skipped
// by clamping the output-row range per kernel row; a tile within one kernel column also skips the
// columns outside, other tiles read the scratch's zeros. Tails: M % 4 in one 3- or 2-wide tile
// (a stem's 3 taps) or singles; Co % 8 == 4 in a 4-wide vector; Co % 4 in scalars (the TS side
// pads dy to a multiple of 4 channels instead, with convFilterGradientPadChannels, which is faster).
// 6 x 8 tiles (12 accumulators) and a 2x unrolled pixel loop were measured slower under V8.

/**
 * The filter gradient. `xs` is scratch of `imagesPerChunk * R * wp * ci` floats with
 * R = (rowsPerChunk - 1) * sh + kh and wp >= max(left + w, (wo - 1) * sw + kw) (the padded width).
 * `rowsPerChunk` < ho only with `imagesPerChunk` = 1.
 */
export function convFilterGradient(
  x: usize, dy: usize, dw: usize, xs: usize,
  n: i32, h: i32, w: i32, ci: i32, ho: i32, wo: i32, co: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, top: i32, left: i32, wp: i32,
  rowsPerChunk: i32, imagesPerChunk: i32,
): void {
  const m = kw * ci;
  fill(dw, kh * m * co, 0);
  const rStride = (rowsPerChunk - 1) * sh + kh;
  for (let img0 = 0; img0 < n; img0 += imagesPerChunk) {
    const nImg = min(imagesPerChunk, n - img0);
    for (let p0 = 0; p0 < ho; p0 += rowsPerChunk) {
      const p1 = min(p0 + rowsPerChunk, ho);
      const rows = (p1 - p0 - 1) * sh + kh;
      for (let im = 0; im < nImg; im++) {
        const dst = xs + (<usize>(im * rStride * wp * ci) << 2);
        const src = x + (<usize>((img0 + im) * h * w * ci) << 2);
        padRows(src, dst, p0 * sh - top, rows, h, w, ci, left, wp);
      }
      for (let i = 0; i < kh; i++) {
        // Output rows p whose input row p*sh + i - top lies in [0, h).
        const lo = top > i ? (top - i + sh - 1) / sh : 0;
        const hi = h - 1 + top - i >= 0 ? (h - 1 + top - i) / sh + 1 : 0;
        const pa = max(p0, lo);
        const pb = min(p1, hi);
        if (pa >= pb) continue;
        const xBase = xs + (<usize>(((pa - p0) * sh + i) * wp * ci) << 2);
        const dyBase = dy + (<usize>((img0 * ho + pa) * wo * co) << 2);
        const accBase = dw + (<usize>(i * m * co) << 2);
        kernelRow(
          xBase, dyBase, accBase, m, co, ci, w, left, sw, nImg, pb - pa, wo,
          <usize>(rStride * wp * ci) << 2, <usize>(sh * wp * ci) << 2, <usize>(sw * ci) << 2,
          <usize>(ho * wo * co) << 2, <usize>(wo * co) << 2, <usize>co << 2,
        );
      }
    }
  }
}

/**
 * All output tiles [m, co] of one kernel row over one chunk. A 4 x 8 tile within one kernel column j
 * (all its m share j) sweeps only the output columns q whose input column q*sw + j - left lies in
 * [0, w): no work on the zero padding (a 3x3 at 7x7 would spend 1/7 of its time there).
 */
function kernelRow(
  xBase: usize, dyBase: usize, accBase: usize, m: i32, co: i32, ci: i32, w: i32, left: i32, sw: i32,
  nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize,
): void {
  const accRow = dyPix;
  const co8 = co & ~7;
  const co4 = co & ~3;
  let m0 = 0;
  for (; m0 + 4 <= m; m0 += 4) {
    let xp = xBase + (<usize>m0 << 2);
    let dp = dyBase;
    let qa = 0;
    let qb = nCols;
    const j = m0 / ci;
    if (j == (m0 + 3) / ci) {
      qa = left > j ? (left - j + sw - 1) / sw : 0;
      qb = w - 1 + left - j >= 0 ? min(nCols, (w - 1 + left - j) / sw + 1) : 0;
      if (qa >= qb) continue;
      xp += <usize>qa * xPix;
      dp += <usize>qa * dyPix;
    }
    const cols = qb - qa;
    const acc = accBase + (<usize>(m0 * co) << 2);
    for (let o0 = 0; o0 < co8; o0 += 8) {
      tile4x8(xp, dp + (<usize>o0 << 2), acc + (<usize>o0 << 2), nImg, nRows, cols, xImg, xRow, xPix, dyImg, dyRow, dyPix, accRow);
    }
    if (co4 > co8) {
      tile4x4(xp, dp + (<usize>co8 << 2), acc + (<usize>co8 << 2), nImg, nRows, cols, xImg, xRow, xPix, dyImg, dyRow, dyPix, accRow);
    }
  }
  const rest = m - m0;
  if (rest >= 2) {
    const xp = xBase + (<usize>m0 << 2);
    const acc = accBase + (<usize>(m0 * co) << 2);
    for (let o0 = 0; o0 < co8; o0 += 8) {
      if (rest == 3) {
        tile3x8(xp, dyBase + (<usize>o0 << 2), acc + (<usize>o0 << 2), nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix, accRow);
      } else {
        tile2x8(xp, dyBase + (<usize>o0 << 2), acc + (<usize>o0 << 2), nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix, accRow);
      }
    }
    for (let k = 0; k < rest && co4 > co8; k++) {
      const accK = acc + (<usize>(k * co + co8) << 2);
      tile1x4(xp + (<usize>k << 2), dyBase + (<usize>co8 << 2), accK, nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix);
    }
    m0 = m;
  }
  for (; m0 < m; m0++) {
    const xp = xBase + (<usize>m0 << 2);
    const acc = accBase + (<usize>(m0 * co) << 2);
    for (let o0 = 0; o0 < co8; o0 += 8) {
      tile1x8(xp, dyBase + (<usize>o0 << 2), acc + (<usize>o0 << 2), nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix);
    }
    if (co4 > co8) {
      tile1x4(xp, dyBase + (<usize>co8 << 2), acc + (<usize>co8 << 2), nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix);
    }
  }
  if (co > co4) {
    for (let mm = 0; mm < m; mm++) {
      for (let o = co4; o < co; o++) {
        tile1x1(xBase + (<usize>mm << 2), dyBase + (<usize>o << 2), accBase + (<usize>(mm * co + o) << 2), nImg, nRows, nCols, xImg, xRow, xPix, dyImg, dyRow, dyPix);
      }
    }
  }
}

/** 4 m x 8 o: 8 accumulators, per pixel 2 dy vectors and 4 broadcast x values. */
function tile4x8(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize, accRow: usize,
): void {
  const acc1 = acc + accRow;
  const acc2 = acc1 + accRow;
  const acc3 = acc2 + accRow;
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  let b0 = v128.load(acc1), b1 = v128.load(acc1, 16);
  let c0 = v128.load(acc2), c1 = v128.load(acc2, 16);
  let d0 = v128.load(acc3), d1 = v128.load(acc3, 16);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
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
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0); v128.store(acc, a1, 16);
  v128.store(acc1, b0); v128.store(acc1, b1, 16);
  v128.store(acc2, c0); v128.store(acc2, c1, 16);
  v128.store(acc3, d0); v128.store(acc3, d1, 16);
}

/** 4 m x 4 o (the Co % 8 >= 4 tail). */
function tile4x4(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize, accRow: usize,
): void {
  const acc1 = acc + accRow;
  const acc2 = acc1 + accRow;
  const acc3 = acc2 + accRow;
  let a0 = v128.load(acc), b0 = v128.load(acc1), c0 = v128.load(acc2), d0 = v128.load(acc3);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
        const y0 = v128.load(dq);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xq), y0));
        b0 = f32x4.add(b0, f32x4.mul(v128.load32_splat(xq, 4), y0));
        c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(xq, 8), y0));
        d0 = f32x4.add(d0, f32x4.mul(v128.load32_splat(xq, 12), y0));
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0); v128.store(acc1, b0); v128.store(acc2, c0); v128.store(acc3, d0);
}

/** 3 m x 8 o (an M % 4 tail of 3: a stem's 3 taps of one input channel). */
function tile3x8(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize, accRow: usize,
): void {
  const acc1 = acc + accRow;
  const acc2 = acc1 + accRow;
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  let b0 = v128.load(acc1), b1 = v128.load(acc1, 16);
  let c0 = v128.load(acc2), c1 = v128.load(acc2, 16);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
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
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0); v128.store(acc, a1, 16);
  v128.store(acc1, b0); v128.store(acc1, b1, 16);
  v128.store(acc2, c0); v128.store(acc2, c1, 16);
}

/** 2 m x 8 o (an M % 4 tail of 2: a stem's 3 taps of one input channel). */
function tile2x8(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize, accRow: usize,
): void {
  const acc1 = acc + accRow;
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  let b0 = v128.load(acc1), b1 = v128.load(acc1, 16);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
        const y0 = v128.load(dq);
        const y1 = v128.load(dq, 16);
        let s = v128.load32_splat(xq);
        a0 = f32x4.add(a0, f32x4.mul(s, y0));
        a1 = f32x4.add(a1, f32x4.mul(s, y1));
        s = v128.load32_splat(xq, 4);
        b0 = f32x4.add(b0, f32x4.mul(s, y0));
        b1 = f32x4.add(b1, f32x4.mul(s, y1));
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0); v128.store(acc, a1, 16);
  v128.store(acc1, b0); v128.store(acc1, b1, 16);
}

/** 1 m x 8 o (the M % 4 tail). */
function tile1x8(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize,
): void {
  let a0 = v128.load(acc), a1 = v128.load(acc, 16);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
        const s = v128.load32_splat(xq);
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(dq)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(dq, 16)));
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0); v128.store(acc, a1, 16);
}

/** 1 m x 4 o. */
function tile1x4(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize,
): void {
  let a0 = v128.load(acc);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(xq), v128.load(dq)));
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  v128.store(acc, a0);
}

/** One m, one o, scalar (the Co % 4 tail). */
function tile1x1(
  xp: usize, dp: usize, acc: usize, nImg: i32, nRows: i32, nCols: i32,
  xImg: usize, xRow: usize, xPix: usize, dyImg: usize, dyRow: usize, dyPix: usize,
): void {
  let a = load<f32>(acc);
  for (let im = 0; im < nImg; im++) {
    let xr = xp + <usize>im * xImg;
    let dr = dp + <usize>im * dyImg;
    for (let r = 0; r < nRows; r++) {
      let xq = xr;
      let dq = dr;
      for (let q = 0; q < nCols; q++) {
        a += load<f32>(xq) * load<f32>(dq);
        xq += xPix;
        dq += dyPix;
      }
      xr += xRow;
      dr += dyRow;
    }
  }
  store<f32>(acc, a);
}

/**
 * Copies input rows row0 .. row0 + rows - 1 of one image (x at `src`, [h, w, ci]) to `dst`
 * ([rows, wp, ci]) with `left` zero columns before and wp - left - w after; rows outside [0, h) are zeros.
 */
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
    copy(d + (<usize>(left * ci) << 2), src + (<usize>(y * w * ci) << 2), w * ci);
    fill(d + (<usize>((left + w) * ci) << 2), (wp - left - w) * ci, 0);
  }
}

/** Sets `count` floats at `p` to `value`. */
function fill(p: usize, count: i32, value: f32): void {
  const v = f32x4.splat(value);
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(p + (<usize>k << 2), v);
  for (; k < count; k++) store<f32>(p + (<usize>k << 2), value);
}

/** Copies `count` floats from `src` to `dst` (no overlap). */
function copy(dst: usize, src: usize, count: i32): void {
  let k = 0;
  for (; k + 4 <= count; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  for (; k < count; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)));
}

/**
 * Copies `rows` rows of `c` floats at `src` into rows of `cPad` >= c floats at `dst`, zeros after:
 * dy's channels padded to a multiple of 4 so that every output tile is a vector one.
 */
export function convFilterGradientPadChannels(src: usize, dst: usize, rows: i32, c: i32, cPad: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * c) << 2);
    const d = dst + (<usize>(r * cPad) << 2);
    copy(d, s, c);
    fill(d + (<usize>c << 2), cPad - c, 0);
  }
}

/** The inverse: the first `c` of every `cPad` floats of `rows` rows at `src`, packed at `dst`. */
export function convFilterGradientCropChannels(src: usize, dst: usize, rows: i32, cPad: i32, c: i32): void {
  for (let r = 0; r < rows; r++) copy(dst + (<usize>(r * c) << 2), src + (<usize>(r * cPad) << 2), c);
}
