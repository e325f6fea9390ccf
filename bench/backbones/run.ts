// Backbone speed on the active backend: training step time and images/s, inference images/s
// (BatchNorm folded into fused conv + bias + ReLU, as `forward` does in inference mode), achieved
// GFLOP/s from the analytic FLOP count, for 1 and 2 workers. Run: `pnpm bench backbones` (all), or name backbones:
// `pnpm bench backbones small-resnet resnet18`. HVCM_BACKEND forces the backend.
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import {
  countFlops,
  countParameters,
  backboneSpec,
  createBackbone,
  createDataParallelStep,
  backboneClassifierProgram,
  selectBackend,
  threadCpuTimeMs,
  type BackboneOptions,
} from '@hvcm/backbones';

interface Case {
  name: string;
  options: BackboneOptions & { numClasses: number };
  size: number;
  channels: number;
  trainBatch: number;
  trainSteps: number;
  inferBatch: number;
  inferReps: number;
}

// Batch 128 where a step takes seconds; the ImageNet-size nets use small batches and few steps
// (a ResNet-50 step at batch 128 would take minutes on one CPU core), marked in the table.
const CASES: Case[] = [
  { name: 'small-resnet', options: { numClasses: 10 }, size: 28, channels: 1, trainBatch: 128, trainSteps: 6, inferBatch: 128, inferReps: 6 },
  { name: 'cifar-resnet18', options: { numClasses: 10 }, size: 32, channels: 3, trainBatch: 32, trainSteps: 2, inferBatch: 64, inferReps: 2 },
  { name: 'resnet18', options: { numClasses: 1000 }, size: 224, channels: 3, trainBatch: 8, trainSteps: 2, inferBatch: 8, inferReps: 2 },
  { name: 'resnet34', options: { numClasses: 1000 }, size: 224, channels: 3, trainBatch: 4, trainSteps: 2, inferBatch: 4, inferReps: 2 },
  { name: 'resnet50', options: { numClasses: 1000 }, size: 224, channels: 3, trainBatch: 4, trainSteps: 2, inferBatch: 4, inferReps: 2 },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function randomBatch(c: Case, n: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * c.size * c.size * c.channels);
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = i % c.options.numClasses;
  return { x, y };
}

interface Timing {
  /** Median wall-clock seconds. */
  wall: number;
  /** Median CPU seconds of the busiest thread (Linux; NaN elsewhere): the time with a free core each. */
  cpu: number;
}

/** Median times of one training step (after one warm-up step). */
async function trainStep(c: Case, workers: number, backend: string): Promise<Timing> {
  const trainer = await createDataParallelStep({
    workers,
    ...(workers > 1 ? { backend: backend as 'wasm' } : {}),
    program: backboneClassifierProgram({
      backbone: c.name,
      backboneOptions: { ...c.options, inputChannels: c.channels, inputSize: c.size, seed: 1 },
    }),
    optimizer: { kind: 'sgd', learningRate: 0.01, momentum: 0.9, weightDecay: 1e-4 },
  });
  const { x, y } = randomBatch(c, c.trainBatch);
  const xs = { data: x, shape: [c.trainBatch, c.size, c.size, c.channels] };
  const ys = { data: y, shape: [c.trainBatch] };
  await trainer.step(xs, ys);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < c.trainSteps; i++) {
    const t0 = performance.now();
    const r = await trainer.step(xs, ys);
    times.push((performance.now() - t0) / 1000);
    cpu.push(r.replicaCpuMs.length > 0 ? Math.max(...r.replicaCpuMs) / 1000 : NaN);
  }
  await trainer.dispose();
  return { wall: median(times), cpu: median(cpu) };
}

/** Median times of one forward pass of `inferBatch` images in this thread. */
function inferOne(c: Case): Timing {
  const net = createBackbone(c.name, { ...c.options, inputChannels: c.channels, seed: 1 });
  const x = tf.randomUniform([c.inferBatch, c.size, c.size, c.channels]) as tf.Tensor4D;
  const run = (): void => {
    const out = net.forward(x);
    out.features.dataSync();
    tf.dispose([out.features, ...(out.logits ? [out.logits] : [])]);
  };
  run();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < c.inferReps; i++) {
    const t0 = performance.now();
    const c0 = threadCpuTimeMs();
    run();
    const c1 = threadCpuTimeMs();
    times.push((performance.now() - t0) / 1000);
    cpu.push(c0 !== undefined && c1 !== undefined ? (c1 - c0) / 1000 : NaN);
  }
  net.dispose();
  x.dispose();
  return { wall: median(times), cpu: median(cpu) };
}

// Worker threads do not inherit tsx's loader: the worker registers it before importing its TS entry
// (the same bootstrap as packages/backbones/src/parallel/spawn-worker.ts).
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsxApi);
  register();
  await import(workerData.entry);
})().catch((error) => { setImmediate(() => { throw error; }); });
`;
const tsxApi = pathToFileURL(
  createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs'),
).href;

/** Times for 2 workers to each run `reps` forwards of half the batch, per rep. */
async function inferTwo(c: Case, backend: string): Promise<Timing> {
  const half = Math.ceil(c.inferBatch / 2);
  const workers = [0, 1].map(
    () =>
      new Worker(TS_BOOTSTRAP, {
        eval: true,
        execArgv: [...process.execArgv, '--conditions=@hvcm/source'],
        workerData: {
          tsxApi,
          entry: new URL('./inference-worker.ts', import.meta.url).href,
          backend,
          name: c.name,
          options: { ...c.options, inputChannels: c.channels },
          batch: half,
          size: c.size,
          channels: c.channels,
        },
      }),
  );
  const next = (w: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  await Promise.all(workers.map(next));
  const t0 = performance.now();
  const cpuMs = (await Promise.all(
    workers.map((w) => {
      const p = next(w);
      w.postMessage({ reps: c.inferReps });
      return p;
    }),
  )) as number[];
  const seconds = (performance.now() - t0) / 1000 / c.inferReps;
  const cpu = Math.max(...cpuMs) / 1000 / c.inferReps;
  await Promise.all(workers.map((w) => { const p = new Promise((r) => w.once('exit', r)); w.postMessage('exit'); return p; }));
  return { wall: seconds, cpu };
}

// `pnpm bench` runs with --expose-gc, which worker threads reject in their execArgv (inherited).
for (let i = process.execArgv.length - 1; i >= 0; i--) {
  if (process.execArgv[i] === '--expose-gc') process.execArgv.splice(i, 1);
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const cases = wanted.length === 0 ? CASES : CASES.filter((c) => wanted.includes(c.name));
const selection = await selectBackend();
const backend = selection.name;
const fmt = (v: number, digits = 0): string => v.toFixed(digits);
const rows: string[] = [];
console.log(`backend: ${selection.name} (${selection.reason})`);
console.log(
  `node ${process.version}, ${availableParallelism()} CPUs; medians. "CPU time" columns divide by the busiest ` +
    'thread\'s CPU time (what a free core per worker would give); "wall" ones by elapsed time.',
);
for (const c of cases) {
  const flops = countFlops(c.name, { ...c.options, inputChannels: c.channels }, c.size);
  const params = countParameters(backboneSpec(c.name, { ...c.options, inputChannels: c.channels }));
  for (const workers of [1, 2]) {
    if (workers === 2 && backend !== 'wasm') continue; // workers exist to use more cores with wasm
    const step = await trainStep(c, workers, backend);
    const infer = workers === 1 ? inferOne(c) : await inferTwo(c, backend);
    const rate = (images: number, seconds: number): string => {
      const r = images / seconds;
      return Number.isFinite(r) ? r.toFixed(r < 10 ? 1 : 0) : 'n/a';
    };
    const gflops = (images: number, seconds: number, perImage: number): string => {
      const g = ((images / seconds) * perImage) / 1e9;
      return Number.isFinite(g) ? g.toFixed(1) : 'n/a';
    };
    const row = [
      c.name,
      `${c.size}x${c.size}x${c.channels}`,
      (params / 1e6).toFixed(2) + 'M',
      (flops.forwardFlops / 1e9).toFixed(3),
      String(workers),
      String(c.trainBatch),
      fmt(step.wall * 1000),
      rate(c.trainBatch, step.wall),
      rate(c.trainBatch, step.cpu),
      gflops(c.trainBatch, step.cpu, flops.trainingFlops),
      String(c.inferBatch),
      rate(c.inferBatch, infer.wall),
      rate(c.inferBatch, infer.cpu),
      gflops(c.inferBatch, infer.cpu, flops.forwardFlops),
    ];
    rows.push(`| ${row.join(' | ')} |`);
    console.log(rows.at(-1));
  }
}
console.log('');
console.log(`Backend: ${backend}. Command: pnpm bench backbones ${wanted.join(' ')}`.trim());
console.log(
  '| backbone | input | params | fwd GFLOP/img | workers | train batch | step ms (wall) | train img/s (wall) | train img/s (CPU time) | train GFLOP/s (CPU time) | infer batch | infer img/s (wall) | infer img/s (CPU time) | infer GFLOP/s (CPU time) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
