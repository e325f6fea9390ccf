// Winograd F(2x2, 3x3) vs XNNPACK's direct convolution on the wasm backend, per layer shape:
// forward Conv2D and the stride-1 input gradient (Conv2DBackpropInput as a flipped convolution),
// F(2x2, 3x3) and F(4x4, 3x3).
// Prints best-of-R wall ms and thread CPU ms, effective GFLOP/s (direct-conv FLOPs / wall time),
// and the max relative difference new vs old.
// Run: cd bench && npx tsx --conditions=@hvcm/source backbones/winograd.ts [reps] [sweep|tiles|step [batch]|trainer [batch]]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { backboneClassifierProgram, createBackboneClassifierProgram, createDataParallelStep, selectBackend } from '@hvcm/backbones';
import { blockTilesFor, setWinogradEnabled, winogradConv3x3 } from '../../packages/backbones/src/kernels/winograd-conv2d';
import { registerWinogradConv2D, unregisterWinogradConv2D } from '../../packages/backbones/src/kernels/winograd-conv2d-kernel';
import { conv2dBackpropInputViaConv } from '../../packages/backbones/src/gradients/conv2d-backprop-input';
import { relativeError } from '../../packages/backbones/src/test-support/compare';
import { bestOf, type Timing } from '../shared/best-of';

await tf.setBackend('wasm');
if (process.argv[3] === 'step') await trainingStep(Number(process.argv[4] ?? 128));
if (process.argv[3] === 'trainer') await trainerStep(Number(process.argv[4] ?? 128));
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

/** Best wall ms and mean thread-CPU ms of `reps` runs of f (its result freed outside the timing). */
const time = (f: () => tf.TensorInfo): Timing => bestOf(reps, f, (out) => backend.disposeData(out.dataId));

/** max |a - b| / max |b| over two kernel outputs. */
const maxRel = (a: tf.TensorInfo, b: tf.TensorInfo): number =>
  relativeError(backend.readSync(a.dataId) as Float32Array, backend.readSync(b.dataId) as Float32Array);

const pad = { top: 1, bottom: 1, left: 1, right: 1 };
const attrs = { strides: [1, 1], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
const fmt = (t: { wall: number; cpu: number }, flops: number) =>
  `${t.wall.toFixed(2).padStart(7)} ms (cpu ${t.cpu.toFixed(1).padStart(5)}) ${(flops / t.wall / 1e6).toFixed(1).padStart(5)} GF/s`;
if (process.argv[3] === 'tiles') {
  // Block size sweep (forward): Winograd ms per tiles-per-block, best of `reps`, F(2x2) and F(4x4).
  const sizes = process.env.WINOGRAD_SIZES ? process.env.WINOGRAD_SIZES.split(',').map(Number) : [8, 16, 32, 64];
  const variants = (process.env.WINOGRAD_VARIANTS ?? '2,4').split(',').map(Number) as (2 | 4)[];
  console.log('shape                      | ' + variants.flatMap((m) => sizes.map((t) => `F${m} T=${t}`.padStart(8))).join(' '));
  for (const s of layers) {
    const x = tf.randomUniform([s.n, s.hw, s.hw, s.ci], -1, 1);
    const wt = tf.randomUniform([3, 3, s.ci, s.co], -1, 1);
    const ms = variants.flatMap((m) => sizes.map((t) => time(() => winogradConv3x3(backend, x, wt, pad, 'forward', m, t)).wall));
    console.log(`${s.n}x${s.hw}x${s.hw} ${s.ci}->${s.co}`.padEnd(26) + ' | ' + ms.map((m) => m.toFixed(2).padStart(8)).join(' '));
    tf.dispose([x, wt]);
  }
  process.exit(0);
}
console.log('shape                      | op      | XNNPACK direct                     | Winograd F(2x2,3x3)                | Winograd F(4x4,3x3)                | F2 vs XNN | F4 vs XNN | rel diff F2, F4');
for (const s of shapes) {
  const x = tf.randomUniform([s.n, s.hw, s.hw, s.ci], -1, 1);
  const wt = tf.randomUniform([3, 3, s.ci, s.co], -1, 1);
  const dy = tf.randomUniform([s.n, s.hw, s.hw, s.co], -1, 1);
  const flops = 2 * s.n * s.hw * s.hw * 9 * s.ci * s.co;
  const name = `${s.n}x${s.hw}x${s.hw} ${s.ci}->${s.co}`.padEnd(26);
  const tiles = (c: number) => blockTiles ?? blockTilesFor(c);
  const cases: [string, () => tf.TensorInfo, () => tf.TensorInfo, () => tf.TensorInfo][] = [
    [
      'Conv2D',
      () => originalConv({ inputs: { x, filter: wt }, attrs, backend }) as tf.TensorInfo,
      () => winogradConv3x3(backend, x, wt, pad, 'forward', 2, tiles(s.ci)),
      () => winogradConv3x3(backend, x, wt, pad, 'forward', 4, tiles(s.ci)),
    ],
    [
      'BackInp',
      () => viaConv({ inputs: { dy, filter: wt }, attrs: { ...attrs, inputShape: x.shape }, backend }),
      () => winogradConv3x3(backend, dy, wt, pad, 'flipped', 2, tiles(s.co)),
      () => winogradConv3x3(backend, dy, wt, pad, 'flipped', 4, tiles(s.co)),
    ],
  ];
  for (const [op, old, f2, f4] of cases) {
    setWinogradEnabled(false); // the old input-gradient path, without Winograd inside
    const a = old();
    const rels = [f2, f4].map((f) => {
      const b = f();
      const rel = maxRel(b, a);
      backend.disposeData(b.dataId);
      return rel.toExponential(1);
    });
    backend.disposeData(a.dataId);
    const to = time(old);
    setWinogradEnabled(true);
    const t2 = time(f2);
    const t4 = time(f4);
    const ratio = (t: { wall: number }) => `${(to.wall / t.wall).toFixed(2).padStart(8)}x`;
    console.log(`${name} | ${op.padEnd(7)} | ${fmt(to, flops)} | ${fmt(t2, flops)} | ${fmt(t4, flops)} | ${ratio(t2)} | ${ratio(t4)} | ${rels.join(', ')}`);
  }
  tf.dispose([x, wt, dy]);
}
if (shapes === layers) {
  // Stride-2 3x3 input gradients (the phase convolution of conv2d-backprop-input.ts), Winograd off vs on.
  console.log('stride-2 input gradient   |         | Winograd off                       | Winograd on                        | speedup');
  for (const s of [
    { n: 64, hw: 28, ci: 16, co: 32 },
    { n: 128, hw: 28, ci: 16, co: 32 },
    { n: 64, hw: 14, ci: 32, co: 64 },
    { n: 128, hw: 14, ci: 32, co: 64 },
  ]) {
    const wt = tf.randomUniform([3, 3, s.ci, s.co], -1, 1);
    const dy = tf.randomUniform([s.n, s.hw / 2, s.hw / 2, s.co], -1, 1);
    const flops = 2 * s.n * (s.hw / 2) ** 2 * 9 * s.ci * s.co;
    const s2 = { ...attrs, strides: [2, 2], inputShape: [s.n, s.hw, s.hw, s.ci] } as unknown as tf.NamedAttrMap;
    const run = () => viaConv({ inputs: { dy, filter: wt }, attrs: s2, backend });
    setWinogradEnabled(false);
    const a = run();
    const off = time(run);
    setWinogradEnabled(true);
    const b = run();
    const on = time(run);
    const rel = maxRel(b, a);
    backend.disposeData(a.dataId);
    backend.disposeData(b.dataId);
    const name = `${s.n}x${s.hw}x${s.hw} ${s.ci}->${s.co} s2`.padEnd(26);
    console.log(`${name} | BackInp | ${fmt(off, flops)} | ${fmt(on, flops)} | ${(off.wall / on.wall).toFixed(2).padStart(6)}x | ${rel.toExponential(1)}`);
    tf.dispose([wt, dy]);
  }
}

/**
 * One small-resnet training step (as bench/backbones/prof-tmp.ts runs it) with Winograd off and on,
 * alternating: step ms (best of the rounds) and ms per step in the convolution kernels.
 */
async function trainingStep(batch: number): Promise<never> {
  await selectBackend({ backend: 'wasm' } as never); // registers the wasm training kernels
  registerWinogradConv2D();
  // Top-level calls only (as prof-tmp.ts counts): a kernel that calls Conv2D inside is not counted twice.
  const timed = new Map<string, number>();
  let depth = 0;
  const names = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  for (const name of names) {
    const k = tf.getKernel(name, 'wasm');
    if (k === undefined) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (a) => {
        const t = performance.now();
        depth++;
        const r = k.kernelFunc(a);
        depth--;
        if (depth === 0) timed.set(name, (timed.get(name) ?? 0) + performance.now() - t);
        return r;
      },
    });
  }
  const prog = createBackboneClassifierProgram({ backbone: 'small-resnet', backboneOptions: { numClasses: 10, inputChannels: 1, inputSize: 28, seed: 1 } });
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () => {
    const { value, grads } = tf.variableGrads(() => prog.loss(x, y), prog.variables as tf.Variable[]);
    opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const best = new Map<string, { step: number; kernels: number[] }>();
  for (let round = 0; round < 3; round++) {
    for (const on of [false, true]) {
      setWinogradEnabled(on);
      step();
      timed.clear();
      const steps = 3;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      const r = { step: (performance.now() - t0) / steps, kernels: names.map((n) => (timed.get(n) ?? 0) / steps) };
      const key = on ? 'Winograd' : 'XNNPACK';
      const prev = best.get(key);
      if (prev === undefined || r.step < prev.step) best.set(key, r);
    }
  }
  console.log(`small-resnet training step, batch ${batch}, one thread (best of 3 rounds of 3 steps; ms per step)`);
  for (const [key, r] of best) {
    const kernels = names.map((n, i) => `${n} ${(r.kernels[i] as number).toFixed(1).padStart(6)}`).join('  ');
    console.log(`${key.padEnd(9)} step ${r.step.toFixed(1).padStart(7)} ms (${((batch * 1000) / r.step).toFixed(0)} img/s)  ${kernels}`);
  }
  process.exit(0);
}

/**
 * The bench's own training step (`createDataParallelStep`, 1 worker: in this thread) with Winograd
 * off, for the input gradient only (what registerWasmTrainingKernels gives), and for the input
 * gradient and the forward `Conv2D` (registerWinogradConv2D); best of 3 rounds of 3 steps.
 */
async function trainerStep(batch: number): Promise<never> {
  await selectBackend({ backend: 'wasm' } as never);
  const trainer = await createDataParallelStep({
    workers: 1,
    program: backboneClassifierProgram({ backbone: 'small-resnet', backboneOptions: { numClasses: 10, inputChannels: 1, inputSize: 28, seed: 1 } }),
    optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 },
  });
  const xs = { data: Float32Array.from({ length: batch * 784 }, () => Math.random()), shape: [batch, 28, 28, 1] };
  const ys = { data: Int32Array.from({ length: batch }, (_, i) => i % 10), shape: [batch] };
  const best = new Map<string, number>();
  for (let round = 0; round < 3; round++) {
    for (const mode of ['off', 'input gradient', 'input gradient + forward']) {
      setWinogradEnabled(mode !== 'off');
      if (mode === 'input gradient + forward') registerWinogradConv2D();
      else unregisterWinogradConv2D();
      await trainer.step(xs, ys);
      const t = performance.now();
      for (let i = 0; i < 3; i++) await trainer.step(xs, ys);
      best.set(mode, Math.min(best.get(mode) ?? Infinity, (performance.now() - t) / 3));
    }
  }
  for (const [mode, ms] of best) {
    console.log(`small-resnet step (createDataParallelStep, 1 worker), batch ${batch}, Winograd ${mode.padEnd(24)}: ${ms.toFixed(1).padStart(6)} ms (${((batch * 1000) / ms).toFixed(0)} img/s)`);
  }
  process.exit(0);
}
