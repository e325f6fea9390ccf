// Per-column sums of a row-major float32 matrix [m, c] (c a multiple of 4). The smallest kernel of the
// module: kernel-module.test.ts uses it to check that kernels read and write tensors in place on the
// backend's heap, and it is the template for a new kernel file.
export function columnSums(x: usize, m: i32, c: i32, out: usize): void {
  for (let j = 0; j < c; j += 4) v128.store(out + (<usize>j << 2), f32x4.splat(0));
  for (let i = 0; i < m; i++) {
    const row = x + (<usize>(i * c) << 2);
    for (let j = 0; j < c; j += 4) {
      const o = out + (<usize>j << 2);
      v128.store(o, f32x4.add(v128.load(o), v128.load(row + (<usize>j << 2))));
    }
  }
}
