// Conv2DBackpropFilter on wasm: the XNNPACK path (one forward convolution on transposed tensors)
// against the hand-written SIMD kernels (direct, and Winograd F(2x2, 3x3) where it applies), per
// layer shape of small-resnet (batch 64 and 128) and one ResNet-18 layer. Prints wall and thread-CPU
// ms (best of several runs), GFLOP/s, which one `auto` picks, and checks that all agree. Run: `cd bench && npx tsx --conditions=@hvcm/source backbones/conv-filter-gradient.ts [batch ...]`.
// HVCM_BENCH_ALL=1 adds more ResNet-18 layers.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { threadCpuTimeMs } from '@hvcm/backbones';
import { conv2dBackpropFilterViaConv, type FilterGradientPath } from '../../packages/backbones/src/gradients/conv2d-backprop-filter';
import { winogradFilterGradientApplies } from '../../packages/backbones/src/kernels/conv-filter-gradient-winograd';
import { fastestFilterGradient } from '../../packages/backbones/src/kernels/conv-filter-gradient-dispatch';

interface Layer {
  name: string;
  n: number;
  size: number;
  ci: number;
  co: number;
  k: number;
  stride: number;
}

function smallResnet(n: number): Layer[] {
  return [
    { name: 'stem 3x3 1->16', n, size: 28, ci: 1, co: 16, k: 3, stride: 1 },
    { name: 'l1 3x3 16->16 (x4)', n, size: 28, ci: 16, co: 16, k: 3, stride: 1 },
    { name: 'l2 3x3 16->32 s2', n, size: 28, ci: 16, co: 32, k: 3, stride: 2 },
    { name: 'l2 1x1 16->32 s2', n, size: 28, ci: 16, co: 32, k: 1, stride: 2 },
    { name: 'l2 3x3 32->32 (x3)', n, size: 14, ci: 32, co: 32, k: 3, stride: 1 },
    { name: 'l3 3x3 32->64 s2', n, size: 14, ci: 32, co: 64, k: 3, stride: 2 },
    { name: 'l3 1x1 32->64 s2', n, size: 14, ci: 32, co: 64, k: 1, stride: 2 },
    { name: 'l3 3x3 64->64 (x3)', n, size: 7, ci: 64, co: 64, k: 3, stride: 1 },
  ];
}

const RESNET18: Layer = { name: 'resnet18 3x3 64->64 56', n: 8, size: 56, ci: 64, co: 64, k: 3, stride: 1 };

/** Other ResNet-18 layers at batch 8 (HVCM_BENCH_ALL=1): where the kernel is not known to win. */
const RESNET18_MORE: Layer[] = [
  { name: 'r18 stem 7x7 3->64 s2 224', n: 8, size: 224, ci: 3, co: 64, k: 7, stride: 2 },
  { name: 'r18 3x3 128->128 28', n: 8, size: 28, ci: 128, co: 128, k: 3, stride: 1 },
  { name: 'r18 3x3 128->256 s2 28', n: 8, size: 28, ci: 128, co: 256, k: 3, stride: 2 },
  { name: 'r18 1x1 128->256 s2 28', n: 8, size: 28, ci: 128, co: 256, k: 1, stride: 2 },
  { name: 'r18 3x3 256->256 14', n: 8, size: 14, ci: 256, co: 256, k: 3, stride: 1 },
  { name: 'r18 3x3 512->512 7', n: 8, size: 7, ci: 512, co: 512, k: 3, stride: 1 },
];

/** Best per-call wall and CPU ms over `runs` runs of enough calls to last >= 150 ms. */
function time(f: () => void, runs = 5): { wall: number; cpu: number } {
  f();
  const t0 = performance.now();
  f();
  const once = performance.now() - t0;
  const calls = Math.max(1, Math.ceil(150 / Math.max(once, 0.01)));
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < runs; r++) {
    const c0 = threadCpuTimeMs() ?? 0;
    const w0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    wall = Math.min(wall, (performance.now() - w0) / calls);
    cpu = Math.min(cpu, ((threadCpuTimeMs() ?? 0) - c0) / calls);
  }
  return { wall, cpu };
}

/** One implementation's dW (to compare) and time. */
function measure(run: () => tf.TensorInfo, backend: tf.KernelBackend): { dw: tf.Tensor; t: { wall: number; cpu: number } } {
  const dw = tf.engine().makeTensorFromTensorInfo(run());
  return { dw, t: time(() => backend.disposeData(run().dataId)) };
}

function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => (tf.max(tf.abs(tf.sub(a, b))).arraySync() as number) / (tf.max(tf.abs(a)).arraySync() as number));
}

function bench(l: Layer): void {
  const pad = Math.floor(l.k / 2);
  const ho = Math.floor((l.size + 2 * pad - l.k) / l.stride) + 1;
  const x = tf.randomUniform([l.n, l.size, l.size, l.ci], -1, 1);
  const dy = tf.randomUniform([l.n, ho, ho, l.co], -1, 1);
  const attrs = {
    strides: [l.stride, l.stride],
    pad: [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: [l.k, l.k, l.ci, l.co],
  } as unknown as tf.NamedAttrMap;
  const backend = tf.backend();
  const g = { n: l.n, h: l.size, w: l.size, ci: l.ci, ho, wo: ho, co: l.co, kh: l.k, kw: l.k, sh: l.stride, sw: l.stride, top: pad, left: pad };
  const via = (path: FilterGradientPath) => () => conv2dBackpropFilterViaConv('wasm', path)({ inputs: { x, dy }, backend, attrs });
  const old = measure(via('xnnpack'), backend);
  const direct = measure(via('simd'), backend);
  const wino = winogradFilterGradientApplies(g) ? measure(via('winograd'), backend) : undefined;
  const chosen = fastestFilterGradient(g);
  const best = chosen === 'winograd' && wino !== undefined ? wino : chosen === 'direct' ? direct : old;
  const err = Math.max(relativeError(old.dw, direct.dw), wino === undefined ? 0 : relativeError(old.dw, wino.dw));
  tf.dispose([old.dw, direct.dw, ...(wino === undefined ? [] : [wino.dw])]);
  const gflop = (2 * l.n * ho * ho * l.k * l.k * l.ci * l.co) / 1e9;
  const ms = (t: { wall: number; cpu: number } | undefined) =>
    t === undefined ? '-'.padStart(9) + '-'.padStart(8) : t.wall.toFixed(2).padStart(9) + t.cpu.toFixed(2).padStart(8);
  const row = [
    `${l.name} n${l.n}`.padEnd(28),
    ms(old.t),
    ms(direct.t),
    ms(wino?.t),
    chosen.padStart(9),
    (gflop / (old.t.wall / 1000)).toFixed(1).padStart(6),
    (gflop / (best.t.wall / 1000)).toFixed(1).padStart(6),
    (old.t.wall / best.t.wall).toFixed(2).padStart(6),
    err.toExponential(1).padStart(8),
  ];
  console.log(row.join(''));
  tf.dispose([x, dy]);
}

await tf.setBackend('wasm');
const batches = process.argv.slice(2).map(Number);
console.log(
  'layer'.padEnd(28) +
    ['xnnpack', 'cpu', 'direct', 'cpu', 'winograd', 'cpu'].map((h, i) => h.padStart(i % 2 === 0 ? 9 : 8)).join('') +
    ['auto', 'GF/s', 'GF/s', 'x'].map((h, i) => h.padStart(i === 0 ? 9 : 6)).join('') +
    'rel err'.padStart(8),
);
console.log('(ms per call, best of 5; GF/s nominal: xnnpack, then the auto choice; x = xnnpack wall / auto wall)');
for (const n of batches.length > 0 ? batches : [64, 128]) for (const l of smallResnet(n)) bench(l);
if (batches.length === 0) bench(RESNET18);
if (process.env.HVCM_BENCH_ALL === '1') for (const l of RESNET18_MORE) bench(l);
console.log(`tf.memory().numTensors at exit: ${tf.memory().numTensors}`);
