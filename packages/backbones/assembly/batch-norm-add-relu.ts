// The residual block end y = max(a + b, 0) and its gradient, over flat float32 arrays of n elements.
// One fused pass each instead of Add, Relu (forward) and Step, Multiply (backward).

/** y [n] = max(a + b, 0). y may alias a or b. */
// pmax, not max: one x86 maxps (max's NaN and -0 rules cost several instructions in V8).
export function addReluForward(a: usize, b: usize, n: i32, y: usize): void {
  const zero = f32x4.splat(0);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.pmax(f32x4.add(v128.load(a + o), v128.load(b + o)), zero));
    v128.store(y + o + 16, f32x4.pmax(f32x4.add(v128.load(a + o + 16), v128.load(b + o + 16)), zero));
    v128.store(y + o + 32, f32x4.pmax(f32x4.add(v128.load(a + o + 32), v128.load(b + o + 32)), zero));
    v128.store(y + o + 48, f32x4.pmax(f32x4.add(v128.load(a + o + 48), v128.load(b + o + 48)), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(a + o) + load<f32>(b + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** d [n] = dy where y > 0, else 0 (the gradient of both a and b). d may alias dy. */
export function addReluBackward(dy: usize, y: usize, n: i32, d: usize): void {
  const zero = f32x4.splat(0);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const o = <usize>i << 2;
    v128.store(d + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
    v128.store(d + o + 16, v128.and(v128.load(dy + o + 16), f32x4.gt(v128.load(y + o + 16), zero)));
    v128.store(d + o + 32, v128.and(v128.load(dy + o + 32), f32x4.gt(v128.load(y + o + 32), zero)));
    v128.store(d + o + 48, v128.and(v128.load(dy + o + 48), f32x4.gt(v128.load(y + o + 48), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}
