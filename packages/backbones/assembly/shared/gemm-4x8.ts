// The GEMM microkernel the Winograd kernels (assembly/winograd.ts, assembly/winograd-f4.ts) share.
// Not an entry of the module (only assembly/*.ts are): imported by them.

/**
 * C = A * B for one Winograd position: A [rows, ci] (row stride aRow bytes), B [ci, coP],
 * C [rows, coP] (row stride cRowBytes); rows a multiple of 4, coP a multiple of 8. 4 x 8 register tile: 8 accumulators,
 * 2 B vectors, one broadcast A value and one product (12 of the 15 xmm registers V8 allocates).
 */
export function gemm(a: usize, aRow: usize, b: usize, c: usize, cRowBytes: usize, rows: i32, ci: i32, coP: i32): void {
  const bRow = <usize>coP << 2;
  // Column blocks outside: the B panel [ci, 8] stays in L1 while the row groups pass over it.
  for (let j = 0; j < coP; j += 8) {
    for (let t = 0; t < rows; t += 4) {
      const a0 = a + <usize>t * aRow;
      const cRow = c + <usize>t * cRowBytes;
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      let pa = a0;
      const end = a0 + (<usize>ci << 2);
      while (pa < end) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        c00 = f32x4.add(c00, f32x4.mul(s, b0));
        c01 = f32x4.add(c01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + aRow);
        c10 = f32x4.add(c10, f32x4.mul(s, b0));
        c11 = f32x4.add(c11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 2 * aRow);
        c20 = f32x4.add(c20, f32x4.mul(s, b0));
        c21 = f32x4.add(c21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 3 * aRow);
        c30 = f32x4.add(c30, f32x4.mul(s, b0));
        c31 = f32x4.add(c31, f32x4.mul(s, b1));
        pa += 4;
        pb += bRow;
      }
      const o = cRow + (<usize>j << 2);
      v128.store(o, c00);
      v128.store(o, c01, 16);
      v128.store(o + cRowBytes, c10);
      v128.store(o + cRowBytes, c11, 16);
      v128.store(o + 2 * cRowBytes, c20);
      v128.store(o + 2 * cRowBytes, c21, 16);
      v128.store(o + 3 * cRowBytes, c30);
      v128.store(o + 3 * cRowBytes, c31, 16);
    }
  }
}
