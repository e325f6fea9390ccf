// Winograd F(2x2, 3x3) vs XNNPACK's direct convolution on the wasm backend, per layer shape:
// forward Conv2D and the stride-1 input gradient (Conv2DBackpropInput as a flipped convolution).
// Prints best-of-R wall ms and thread CPU ms, effective GFLOP/s (direct-conv FLOPs / wall time),
// and the max relative difference new vs old.
// Run: cd bench && npx tsx --conditions=@hvcm/source backbones/winograd.ts [reps] [sweep|tiles]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { threadCpuTimeMs } from '@hvcm/backbones';
import { blockTilesFor, winogradConv3x3 } from '../../packages/backbones/src/kernels/winograd-conv2d';
import { conv2dBackpropInputViaConv } from '../../packages/backbones/src/gradients/conv2d-backprop-input';

await tf.setBackend('wasm');
const reps = Number(process.argv[2] ?? 7);
/** WINOGRAD_TILES=n forces the block size (tiles per block) for a sweep. */
const blockTiles = process.env.WINOGRAD_TILES ? Number(process.env.WINOGRAD_TILES) : undefined;
const backend = tf.backend();
const conv2d = tf.getKernel('Conv2D', 'wasm');
if (conv2d === undefined) throw new Error('winograd bench: no Conv2D kernel for wasm');
const originalConv = conv2d.kernelFunc;
const viaConv = conv2dBackpropInputViaConv('wasm');

interface Shape {
  n: number;
  hw: number;
  ci: number;
  co: number;
}
const layers: Shape[] = [
  { n: 64, hw: 28, ci: 16, co: 16 },
  { n: 128, hw: 28, ci: 16, co: 16 },
  { n: 64, hw: 14, ci: 32, co: 32 },
  { n: 128, hw: 14, ci: 32, co: 32 },
  { n: 64, hw: 7, ci: 64, co: 64 },
  { n: 128, hw: 7, ci: 64, co: 64 },
  { n: 8, hw: 56, ci: 64, co: 64 },
];
/** `sweep`: shapes around the dispatch boundary (few channels, small images, wide layers). */
const sweep: Shape[] = [
  { n: 128, hw: 28, ci: 1, co: 16 },
  { n: 128, hw: 28, ci: 2, co: 16 },
  { n: 128, hw: 28, ci: 3, co: 16 },
  { n: 128, hw: 28, ci: 4, co: 16 },
  { n: 128, hw: 28, ci: 8, co: 8 },
  { n: 128, hw: 28, ci: 16, co: 4 },
  { n: 128, hw: 28, ci: 16, co: 1 },
  { n: 64, hw: 2, ci: 64, co: 64 },
  { n: 64, hw: 3, ci: 64, co: 64 },
  { n: 64, hw: 4, ci: 64, co: 64 },
  { n: 64, hw: 5, ci: 64, co: 64 },
  { n: 1, hw: 7, ci: 64, co: 64 },
  { n: 1, hw: 28, ci: 16, co: 16 },
  { n: 8, hw: 28, ci: 128, co: 128 },
  { n: 8, hw: 14, ci: 256, co: 256 },
  { n: 8, hw: 7, ci: 512, co: 512 },
  { n: 1, hw: 7, ci: 512, co: 512 },
];
const shapes = process.argv[3] === 'sweep' ? sweep : layers;

/** Best wall ms and mean thread-CPU ms (10 ms resolution, summed over the runs) of `reps` runs of f (its result is disposed). */
function time(f: () => tf.TensorInfo): { wall: number; cpu: number } {
  backend.disposeData(f().dataId);
  let wall = Infinity;
  const c0 = threadCpuTimeMs() ?? 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = f();
    wall = Math.min(wall, performance.now() - t0);
    backend.disposeData(out.dataId);
  }
  return { wall, cpu: ((threadCpuTimeMs() ?? 0) - c0) / reps };
}

function maxRel(a: tf.TensorInfo, b: tf.TensorInfo): number {
  const x = backend.readSync(a.dataId) as Float32Array;
  const y = backend.readSync(b.dataId) as Float32Array;
  let d = 0;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    d = Math.max(d, Math.abs((x[i] as number) - (y[i] as number)));
    s = Math.max(s, Math.abs(y[i] as number));
  }
  return d / s;
}

const pad = { top: 1, bottom: 1, left: 1, right: 1 };
const attrs = { strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
const fmt = (t: { wall: number; cpu: number }, flops: number) =>
  `${t.wall.toFixed(2).padStart(7)} ms (cpu ${t.cpu.toFixed(1).padStart(5)}) ${(flops / t.wall / 1e6).toFixed(1).padStart(5)} GF/s`;
if (process.argv[3] === 'tiles') {
  // Block size sweep (forward): Winograd ms per tiles-per-block, best of `reps`, shapes interleaved.
  const sizes = [8, 12, 16, 24, 32, 48, 64];
  console.log('shape                      | ' + sizes.map((t) => `T=${t}`.padStart(7)).join(' '));
  for (const s of layers) {
    const x = tf.randomUniform([s.n, s.hw, s.hw, s.ci], -1, 1);
    const wt = tf.randomUniform([3, 3, s.ci, s.co], -1, 1);
    const ms = sizes.map((t) => time(() => winogradConv3x3(backend, x, wt, pad, 'forward', t)).wall);
    console.log(`${s.n}x${s.hw}x${s.hw} ${s.ci}->${s.co}`.padEnd(26) + ' | ' + ms.map((m) => m.toFixed(2).padStart(7)).join(' '));
    tf.dispose([x, wt]);
  }
  process.exit(0);
}
console.log('shape                      | op       | XNNPACK direct                    | Winograd                          | speedup | rel diff');
for (const s of shapes) {
  const x = tf.randomUniform([s.n, s.hw, s.hw, s.ci], -1, 1);
  const wt = tf.randomUniform([3, 3, s.ci, s.co], -1, 1);
  const dy = tf.randomUniform([s.n, s.hw, s.hw, s.co], -1, 1);
  const flops = 2 * s.n * s.hw * s.hw * 9 * s.ci * s.co;
  const name = `${s.n}x${s.hw}x${s.hw} ${s.ci}->${s.co}`.padEnd(26);
  const cases: [string, () => tf.TensorInfo, () => tf.TensorInfo][] = [
    ['Conv2D', () => originalConv({ inputs: { x, filter: wt }, attrs, backend }) as tf.TensorInfo, () => winogradConv3x3(backend, x, wt, pad, 'forward', blockTiles ?? blockTilesFor(s.ci))],
    [
      'BackInp',
      () => viaConv({ inputs: { dy, filter: wt }, attrs: { ...attrs, inputShape: x.shape }, backend }),
      () => winogradConv3x3(backend, dy, wt, pad, 'flipped', blockTiles ?? blockTilesFor(s.co)),
    ],
  ];
  for (const [op, old, neu] of cases) {
    const a = old();
    const b = neu();
    const rel = maxRel(b, a);
    backend.disposeData(a.dataId);
    backend.disposeData(b.dataId);
    const to = time(old);
    const tn = time(neu);
    console.log(`${name} | ${op.padEnd(8)} | ${fmt(to, flops)} | ${fmt(tn, flops)} | ${(to.wall / tn.wall).toFixed(2).padStart(6)}x | ${rel.toExponential(1)}`);
  }
  tf.dispose([x, wt, dy]);
}
