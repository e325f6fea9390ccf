// Training-mode BatchNorm (+ optional fused ReLU) over an NHWC tensor viewed as a row-major float32
// matrix x [m, c] (m = n h w rows, one channel per column), forward and backward.
//
// Memory traffic is what costs here (a [128, 28, 28, 16] tensor is 6.4 MB, beyond L2), so each
// direction streams its full-size inputs twice:
//   forward:  one pass for the statistics (shifted sums), one pass writing y;
//   backward: one pass for sum(dy') and sum(dy' (x - mean)), one pass writing dx.
// The ReLU mask is recomputed from x in the backward pass with exactly the forward's float ops
// ((x - mean) * scale + beta, no FMA in wasm SIMD), so it is bit-identical to y > 0 and y is never read.
//
// Sums run over groups of 4 rows (one accumulator update per 4 rows), into f32 partial sums that are
// flushed into f64 totals every CHUNK rows: error ~ (CHUNK + m / CHUNK) ulp instead of m ulp.
// The variance uses sums shifted by K (the mean of up to 16 rows spread over x), so it does not
// suffer the cancellation of the naive E[x^2] - mean^2 when |mean| >> std.
//
// Scratch (caller-provided, 16-byte aligned): 48 cp bytes, cp = c rounded up to a multiple of 4,
// as 12 slots of cp floats: f32 arrays in slots 0-3 and 8-10, two f64 arrays [cp] in slots 4-5 and 6-7.

const GROUPS_PER_CHUNK: i32 = 64; // 256 rows per f32 partial sum

@inline function at(base: usize, j: i32): usize {
  return base + (<usize>j << 2);
}

@inline function rowAt(base: usize, i: i32, c: i32): usize {
  return base + ((<usize>i * <usize>c) << 2);
}

@inline function slot(scratch: usize, cp: i32, k: i32): usize {
  return scratch + ((<usize>k * <usize>cp) << 2);
}

/** Zeroes the f32 partial sums s1, s2 [cp] and the f64 totals t1, t2 [cp]. */
function clearSums(s1: usize, s2: usize, t1: usize, t2: usize, cp: i32): void {
  for (let j = 0; j < cp; j += 4) {
    v128.store(at(s1, j), f32x4.splat(0));
    v128.store(at(s2, j), f32x4.splat(0));
  }
  for (let j = 0; j < cp; j++) {
    store<f64>(t1 + (<usize>j << 3), 0);
    store<f64>(t2 + (<usize>j << 3), 0);
  }
}

/** Adds the f32 partial sums into the f64 totals and zeroes them. */
function flushSums(s1: usize, s2: usize, t1: usize, t2: usize, c: i32): void {
  for (let j = 0; j < c; j++) {
    const p1 = t1 + (<usize>j << 3);
    const p2 = t2 + (<usize>j << 3);
    store<f64>(p1, load<f64>(p1) + <f64>load<f32>(at(s1, j)));
    store<f64>(p2, load<f64>(p2) + <f64>load<f32>(at(s2, j)));
    store<f32>(at(s1, j), 0);
    store<f32>(at(s2, j), 0);
  }
}

/** shift [c] = mean of up to 16 rows of x spread evenly over its m rows. */
function sampleShift(x: usize, m: i32, c: i32, shift: usize): void {
  const samples = m < 16 ? m : 16;
  for (let j = 0; j < c; j++) store<f32>(at(shift, j), 0);
  for (let s = 0; s < samples; s++) {
    const row = rowAt(x, <i32>((<u64>s * <u64>m) / <u64>samples), c);
    for (let j = 0; j < c; j++) store<f32>(at(shift, j), load<f32>(at(shift, j)) + load<f32>(at(row, j)));
  }
  const inv: f32 = 1 / <f32>samples;
  for (let j = 0; j < c; j++) store<f32>(at(shift, j), load<f32>(at(shift, j)) * inv);
}

/** s1 += sum of d, s2 += sum of d^2 over `rows` rows (1 or 4) from `row`, d = x - shift. */
@inline function accumulateShifted(row: usize, rows: i32, c: i32, shift: usize, s1: usize, s2: usize): void {
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  if (rows == 4) {
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const k = v128.load(shift + off);
      const d0 = f32x4.sub(v128.load(row + off), k);
      const d1 = f32x4.sub(v128.load(row + stride + off), k);
      const d2 = f32x4.sub(v128.load(row + 2 * stride + off), k);
      const d3 = f32x4.sub(v128.load(row + 3 * stride + off), k);
      const sum = f32x4.add(f32x4.add(d0, d1), f32x4.add(d2, d3));
      const sq = f32x4.add(
        f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d1, d1)),
        f32x4.add(f32x4.mul(d2, d2), f32x4.mul(d3, d3)),
      );
      v128.store(s1 + off, f32x4.add(v128.load(s1 + off), sum));
      v128.store(s2 + off, f32x4.add(v128.load(s2 + off), sq));
    }
  } else {
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const d = f32x4.sub(v128.load(row + off), v128.load(shift + off));
      v128.store(s1 + off, f32x4.add(v128.load(s1 + off), d));
      v128.store(s2 + off, f32x4.add(v128.load(s2 + off), f32x4.mul(d, d)));
    }
  }
  for (let r = 0; r < rows; r++) {
    const rr = row + <usize>r * stride;
    for (let j = c4; j < c; j++) {
      const d = load<f32>(at(rr, j)) - load<f32>(at(shift, j));
      store<f32>(at(s1, j), load<f32>(at(s1, j)) + d);
      store<f32>(at(s2, j), load<f32>(at(s2, j)) + d * d);
    }
  }
}

/** Per-channel mean and biased variance [c] of x [m, c]. */
function statistics(x: usize, m: i32, c: i32, scratch: usize, cp: i32, mean: usize, variance: usize): void {
  const shift = slot(scratch, cp, 0);
  const s1 = slot(scratch, cp, 1);
  const s2 = slot(scratch, cp, 2);
  const t1 = slot(scratch, cp, 4);
  const t2 = slot(scratch, cp, 6);
  sampleShift(x, m, c, shift);
  clearSums(s1, s2, t1, t2, cp);
  const groups = m >> 2;
  for (let g = 0; g < groups; g++) {
    accumulateShifted(rowAt(x, g << 2, c), 4, c, shift, s1, s2);
    if ((g + 1) % GROUPS_PER_CHUNK == 0) flushSums(s1, s2, t1, t2, c);
  }
  for (let i = groups << 2; i < m; i++) accumulateShifted(rowAt(x, i, c), 1, c, shift, s1, s2);
  flushSums(s1, s2, t1, t2, c);
  const invM: f64 = 1 / <f64>m;
  for (let j = 0; j < c; j++) {
    const e1 = load<f64>(t1 + (<usize>j << 3)) * invM;
    const e2 = load<f64>(t2 + (<usize>j << 3)) * invM;
    const v = e2 - e1 * e1;
    store<f32>(at(mean, j), <f32>(<f64>load<f32>(at(shift, j)) + e1));
    store<f32>(at(variance, j), v > 0 ? <f32>v : 0);
  }
}

/**
 * scale [cp] = gamma r with r = 1 / sqrt(var + eps), zero-padded to cp. Forward and backward both
 * call this, so the ReLU mask recomputed in the backward pass sees the very same scale.
 */
function computeScale(gamma: usize, variance: usize, eps: f32, c: i32, cp: i32, scale: usize): void {
  for (let j = 0; j < c; j++) {
    const r: f32 = 1 / Mathf.sqrt(load<f32>(at(variance, j)) + eps);
    store<f32>(at(scale, j), load<f32>(at(gamma, j)) * r);
  }
  for (let j = c; j < cp; j++) store<f32>(at(scale, j), 0);
}

/** y = (x - mean) scale + beta, max(y, 0) when relu (pmax, not max: one x86 maxps; max's NaN rules cost more). */
@inline function normalizeValue(x: v128, mean: v128, scale: v128, beta: v128, relu: bool): v128 {
  const v = f32x4.add(f32x4.mul(f32x4.sub(x, mean), scale), beta);
  return relu ? f32x4.pmax(v, f32x4.splat(0)) : v;
}

/**
 * y = (x - mean) scale + beta, then max(y, 0) when relu. Rows go in groups of 4 so that each
 * channel vector of mean, scale, beta is loaded once per 4 rows.
 */
function normalize(
  x: usize, m: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool, y: usize,
): void {
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  const groups = m >> 2;
  for (let g = 0; g < groups; g++) {
    const xr = rowAt(x, g << 2, c);
    const yr = rowAt(y, g << 2, c);
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const mu = v128.load(mean + off);
      const sc = v128.load(scale + off);
      const be = v128.load(beta + off);
      v128.store(yr + off, normalizeValue(v128.load(xr + off), mu, sc, be, relu));
      v128.store(yr + stride + off, normalizeValue(v128.load(xr + stride + off), mu, sc, be, relu));
      v128.store(yr + 2 * stride + off, normalizeValue(v128.load(xr + 2 * stride + off), mu, sc, be, relu));
      v128.store(yr + 3 * stride + off, normalizeValue(v128.load(xr + 3 * stride + off), mu, sc, be, relu));
    }
    if (c4 < c) normalizeTail(xr, yr, 4, c, mean, scale, beta, relu);
  }
  for (let i = groups << 2; i < m; i++) {
    const xr = rowAt(x, i, c);
    const yr = rowAt(y, i, c);
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const v = normalizeValue(v128.load(xr + off), v128.load(mean + off), v128.load(scale + off), v128.load(beta + off), relu);
      v128.store(yr + off, v);
    }
    if (c4 < c) normalizeTail(xr, yr, 1, c, mean, scale, beta, relu);
  }
}

/** The channels c4..c-1 (c not a multiple of 4) of `rows` rows, scalar. */
function normalizeTail(xr: usize, yr: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool): void {
  const stride = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xrr = xr + <usize>r * stride;
    const yrr = yr + <usize>r * stride;
    for (let j = c & ~3; j < c; j++) {
      let v = (load<f32>(at(xrr, j)) - load<f32>(at(mean, j))) * load<f32>(at(scale, j)) + load<f32>(at(beta, j));
      if (relu && v < 0) v = 0;
      store<f32>(at(yrr, j), v);
    }
  }
}

/**
 * Forward: mean, variance [c] (biased) of x [m, c] over its rows, and
 * y [m, c] = gamma (x - mean) / sqrt(var + eps) + beta, with max(y, 0) when relu != 0.
 * gamma, beta [c]. y may not alias x.
 */
export function batchNormForward(
  x: usize, m: i32, c: i32, gamma: usize, beta: usize, eps: f32, relu: i32,
  y: usize, mean: usize, variance: usize, scratch: usize,
): void {
  const cp = (c + 3) & ~3;
  statistics(x, m, c, scratch, cp, mean, variance);
  const scale = slot(scratch, cp, 3);
  computeScale(gamma, variance, eps, c, cp, scale);
  // mean and beta are tensors of exactly c floats: copy them padded so the vector loads of the
  // last channel block stay inside the scratch buffer.
  const meanP = slot(scratch, cp, 0);
  const betaP = slot(scratch, cp, 1);
  copyPadded(mean, c, cp, meanP);
  copyPadded(beta, c, cp, betaP);
  normalize(x, m, c, meanP, scale, betaP, relu != 0, y);
}

function copyPadded(src: usize, c: i32, cp: i32, dst: usize): void {
  for (let j = 0; j < c; j++) store<f32>(at(dst, j), load<f32>(at(src, j)));
  for (let j = c; j < cp; j++) store<f32>(at(dst, j), 0);
}

/** dy masked by y > 0 (y recomputed from xc = x - mean) when relu; dy itself otherwise. */
@inline function maskedGrad(dy: v128, xc: v128, scale: v128, beta: v128, relu: bool): v128 {
  if (!relu) return dy;
  return v128.and(dy, f32x4.gt(f32x4.add(f32x4.mul(xc, scale), beta), f32x4.splat(0)));
}

@inline function maskedGradScalar(dy: f32, xc: f32, scale: f32, beta: f32, relu: bool): f32 {
  if (!relu) return dy;
  return xc * scale + beta > 0 ? dy : 0;
}

/**
 * s1 += sum dy', s2 += sum dy' (x - mean) over `rows` rows (1 or 4) from byte offset `o` of dy and x;
 * mean, scale, beta padded to a multiple of 4.
 */
@inline function accumulateGrad(
  dy: usize, x: usize, o: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, relu: bool,
  s1: usize, s2: usize,
): void {
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  for (let j = 0; j < c4; j += 4) {
    const off = <usize>j << 2;
    const mu = v128.load(mean + off);
    const sc = v128.load(scale + off);
    const be = v128.load(beta + off);
    const p0 = o + off;
    const xc0 = f32x4.sub(v128.load(x + p0), mu);
    const g0 = maskedGrad(v128.load(dy + p0), xc0, sc, be, relu);
    let sum = g0;
    let dot = f32x4.mul(g0, xc0);
    if (rows == 4) {
      const p1 = p0 + stride;
      const p2 = p1 + stride;
      const p3 = p2 + stride;
      const xc1 = f32x4.sub(v128.load(x + p1), mu);
      const xc2 = f32x4.sub(v128.load(x + p2), mu);
      const xc3 = f32x4.sub(v128.load(x + p3), mu);
      const g1 = maskedGrad(v128.load(dy + p1), xc1, sc, be, relu);
      const g2 = maskedGrad(v128.load(dy + p2), xc2, sc, be, relu);
      const g3 = maskedGrad(v128.load(dy + p3), xc3, sc, be, relu);
      sum = f32x4.add(f32x4.add(sum, g1), f32x4.add(g2, g3));
      dot = f32x4.add(f32x4.add(dot, f32x4.mul(g1, xc1)), f32x4.add(f32x4.mul(g2, xc2), f32x4.mul(g3, xc3)));
    }
    v128.store(s1 + off, f32x4.add(v128.load(s1 + off), sum));
    v128.store(s2 + off, f32x4.add(v128.load(s2 + off), dot));
  }
  for (let r = 0; r < rows; r++) {
    const rr = o + <usize>r * stride;
    for (let j = c4; j < c; j++) {
      const xc = load<f32>(at(x + rr, j)) - load<f32>(at(mean, j));
      const g = maskedGradScalar(load<f32>(at(dy + rr, j)), xc, load<f32>(at(scale, j)), load<f32>(at(beta, j)), relu);
      store<f32>(at(s1, j), load<f32>(at(s1, j)) + g);
      store<f32>(at(s2, j), load<f32>(at(s2, j)) + g * xc);
    }
  }
}

/** dx = dy' scale + xc k + b0 for one vector (xc = x - mean). */
@inline function gradValue(dy: v128, x: v128, mu: v128, sc: v128, be: v128, k: v128, b0: v128, relu: bool): v128 {
  const xc = f32x4.sub(x, mu);
  const g = maskedGrad(dy, xc, sc, be, relu);
  return f32x4.add(f32x4.add(f32x4.mul(g, sc), f32x4.mul(xc, k)), b0);
}

/**
 * dx = dy' scale + (x - mean) k + b0 per element; per-channel arrays padded to a multiple of 4.
 * Rows in groups of 4: each channel vector is loaded once per 4 rows.
 */
function gradInput(
  dy: usize, x: usize, m: i32, c: i32, mean: usize, scale: usize, beta: usize, k: usize, b0: usize,
  relu: bool, dx: usize,
): void {
  const c4 = c & ~3;
  const stride = <usize>c << 2;
  const groups = m >> 2;
  for (let g = 0; g < groups; g++) {
    const o = rowAt(0, g << 2, c);
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const mu = v128.load(mean + off);
      const sc = v128.load(scale + off);
      const be = v128.load(beta + off);
      const kk = v128.load(k + off);
      const bb = v128.load(b0 + off);
      const p0 = o + off;
      const p1 = p0 + stride;
      const p2 = p1 + stride;
      const p3 = p2 + stride;
      v128.store(dx + p0, gradValue(v128.load(dy + p0), v128.load(x + p0), mu, sc, be, kk, bb, relu));
      v128.store(dx + p1, gradValue(v128.load(dy + p1), v128.load(x + p1), mu, sc, be, kk, bb, relu));
      v128.store(dx + p2, gradValue(v128.load(dy + p2), v128.load(x + p2), mu, sc, be, kk, bb, relu));
      v128.store(dx + p3, gradValue(v128.load(dy + p3), v128.load(x + p3), mu, sc, be, kk, bb, relu));
    }
    if (c4 < c) gradInputTail(dy + o, x + o, dx + o, 4, c, mean, scale, beta, k, b0, relu);
  }
  for (let i = groups << 2; i < m; i++) {
    const o = rowAt(0, i, c);
    for (let j = 0; j < c4; j += 4) {
      const off = <usize>j << 2;
      const p = o + off;
      const v = gradValue(
        v128.load(dy + p), v128.load(x + p), v128.load(mean + off), v128.load(scale + off),
        v128.load(beta + off), v128.load(k + off), v128.load(b0 + off), relu,
      );
      v128.store(dx + p, v);
    }
    if (c4 < c) gradInputTail(dy + o, x + o, dx + o, 1, c, mean, scale, beta, k, b0, relu);
  }
}

/** The channels c4..c-1 (c not a multiple of 4) of `rows` rows of dx, scalar. */
function gradInputTail(
  dyr: usize, xr: usize, dxr: usize, rows: i32, c: i32, mean: usize, scale: usize, beta: usize, k: usize, b0: usize,
  relu: bool,
): void {
  const stride = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * stride;
    for (let j = c & ~3; j < c; j++) {
      const sc = load<f32>(at(scale, j));
      const xc = load<f32>(at(xr + o, j)) - load<f32>(at(mean, j));
      const g = maskedGradScalar(load<f32>(at(dyr + o, j)), xc, sc, load<f32>(at(beta, j)), relu);
      store<f32>(at(dxr + o, j), g * sc + xc * load<f32>(at(k, j)) + load<f32>(at(b0, j)));
    }
  }
}

/**
 * Backward of `batchNormForward` (same x, gamma, beta, eps, relu, and its mean and variance):
 * with dy' = dy masked by y > 0 when relu, xhat = (x - mean) r, r = 1 / sqrt(var + eps):
 *   dbeta = sum dy', dgamma = sum dy' xhat,
 *   dx = gamma r (dy' - dbeta / m - xhat dgamma / m).
 * dy, x, dx [m, c]; gamma, beta, mean, variance, dgamma, dbeta [c]. dx may alias dy.
 */
export function batchNormBackward(
  dy: usize, x: usize, m: i32, c: i32, gamma: usize, beta: usize, mean: usize, variance: usize,
  eps: f32, relu: i32, dx: usize, dgamma: usize, dbeta: usize, scratch: usize,
): void {
  const cp = (c + 3) & ~3;
  const isRelu = relu != 0;
  const meanP = slot(scratch, cp, 0);
  const s1 = slot(scratch, cp, 1);
  const s2 = slot(scratch, cp, 2);
  const scale = slot(scratch, cp, 3);
  const t1 = slot(scratch, cp, 4);
  const t2 = slot(scratch, cp, 6);
  const betaP = slot(scratch, cp, 8);
  const k = slot(scratch, cp, 9);
  const b0 = slot(scratch, cp, 10);
  copyPadded(mean, c, cp, meanP);
  copyPadded(beta, c, cp, betaP);
  computeScale(gamma, variance, eps, c, cp, scale);
  clearSums(s1, s2, t1, t2, cp);
  const stride = <usize>c << 2;
  const groups = m >> 2;
  for (let g = 0; g < groups; g++) {
    accumulateGrad(dy, x, <usize>(g << 2) * stride, 4, c, meanP, scale, betaP, isRelu, s1, s2);
    if ((g + 1) % GROUPS_PER_CHUNK == 0) flushSums(s1, s2, t1, t2, c);
  }
  for (let i = groups << 2; i < m; i++) accumulateGrad(dy, x, <usize>i * stride, 1, c, meanP, scale, betaP, isRelu, s1, s2);
  flushSums(s1, s2, t1, t2, c);
  const invM: f64 = 1 / <f64>m;
  for (let j = 0; j < cp; j++) {
    if (j >= c) {
      store<f32>(at(k, j), 0);
      store<f32>(at(b0, j), 0);
      continue;
    }
    const sumDy = load<f64>(t1 + (<usize>j << 3));
    const sumDyXc = load<f64>(t2 + (<usize>j << 3));
    const r = <f64>(1 / Mathf.sqrt(load<f32>(at(variance, j)) + eps));
    const sc = <f64>load<f32>(at(scale, j));
    store<f32>(at(dbeta, j), <f32>sumDy);
    store<f32>(at(dgamma, j), <f32>(r * sumDyXc));
    store<f32>(at(k, j), <f32>(-sc * r * r * sumDyXc * invM));
    store<f32>(at(b0, j), <f32>(-sc * sumDy * invM));
  }
  gradInput(dy, x, m, c, meanP, scale, betaP, k, b0, isRelu, dx);
}

/**
 * Moving statistics as PyTorch updates them: newMean = runningMean keep + mean meanWeight,
 * newVar = runningVar keep + variance varWeight, with keep = 1 - momentum, meanWeight = momentum,
 * varWeight = momentum m / (m - 1) (unbiased variance) computed by the caller as the tfjs-op path does.
 * All [c]; one call instead of six tfjs ops (each of which clones its inputs when a gradient tape is on).
 */
export function batchNormMovingStatistics(
  runningMean: usize, runningVar: usize, mean: usize, variance: usize, c: i32,
  keep: f32, meanWeight: f32, varWeight: f32, newMean: usize, newVar: usize,
): void {
  for (let j = 0; j < c; j++) {
    store<f32>(at(newMean, j), load<f32>(at(runningMean, j)) * keep + load<f32>(at(mean, j)) * meanWeight);
    store<f32>(at(newVar, j), load<f32>(at(runningVar, j)) * keep + load<f32>(at(variance, j)) * varWeight);
  }
}
