// Backbone speed on the active backend: training step time and images/s, inference images/s
// (BatchNorm as is, and folded into the convolutions), achieved GFLOP/s from the analytic FLOP
// count, for 1 and 2 workers. Run: `pnpm bench backbones` (all), or name backbones:
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
  selectBackend,
  type BackboneOptions,
} from '@hvcm/backbones';
import { createDataParallelStep } from '../../packages/backbones/src/parallel/data-parallel-step';
import { backboneClassifierProgram } from '../../packages/backbones/src/parallel/backbone-classifier-reference';

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

/** Median seconds of one training step (after one warm-up step). */
async function trainStep(c: Case, workers: number, backend: string): Promise<number> {
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
  for (let i = 0; i < c.trainSteps; i++) {
    const t0 = performance.now();
    await trainer.step(xs, ys);
    times.push((performance.now() - t0) / 1000);
  }
  await trainer.dispose();
  return median(times);
}

/** Median seconds of one forward pass of `inferBatch` images in this thread. */
function inferOne(c: Case, folded: boolean): number {
  const net = createBackbone(c.name, { ...c.options, inputChannels: c.channels, seed: 1 });
  const f = folded ? net.fold() : null;
  const x = tf.randomUniform([c.inferBatch, c.size, c.size, c.channels]) as tf.Tensor4D;
  const run = (): void => {
    const out = f === null ? net.forward(x) : f.forward(x);
    out.features.dataSync();
    tf.dispose([out.features, ...(out.logits ? [out.logits] : [])]);
  };
  run();
  const times: number[] = [];
  for (let i = 0; i < c.inferReps; i++) {
    const t0 = performance.now();
    run();
    times.push((performance.now() - t0) / 1000);
  }
  f?.dispose();
  net.dispose();
  x.dispose();
  return median(times);
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

/** Seconds for 2 workers to each run `reps` forwards of half the batch (wall clock), per rep. */
async function inferTwo(c: Case, folded: boolean, backend: string): Promise<number> {
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
          folded,
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
  await Promise.all(workers.map((w) => { const p = next(w); w.postMessage({ reps: c.inferReps }); return p; }));
  const seconds = (performance.now() - t0) / 1000 / c.inferReps;
  await Promise.all(workers.map((w) => { const p = new Promise((r) => w.once('exit', r)); w.postMessage('exit'); return p; }));
  return seconds;
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
console.log(`node ${process.version}, ${availableParallelism()} CPUs; times are medians; numbers on a shared machine vary.`);
for (const c of cases) {
  const flops = countFlops(c.name, { ...c.options, inputChannels: c.channels }, c.size);
  const params = countParameters(backboneSpec(c.name, { ...c.options, inputChannels: c.channels }));
  for (const workers of [1, 2]) {
    if (workers === 2 && backend !== 'wasm') continue; // workers exist to use more cores with wasm
    const step = await trainStep(c, workers, backend);
    const trainImages = c.trainBatch / step;
    const infer = workers === 1 ? inferOne(c, false) : await inferTwo(c, false, backend);
    const inferFolded = workers === 1 ? inferOne(c, true) : await inferTwo(c, true, backend);
    const row = [
      c.name,
      `${c.size}x${c.size}x${c.channels}`,
      (params / 1e6).toFixed(2) + 'M',
      fmt(flops.forwardFlops / 1e6) + ' M',
      String(workers),
      String(c.trainBatch),
      fmt(step * 1000),
      fmt(trainImages, trainImages < 10 ? 1 : 0),
      fmt((trainImages * flops.trainingFlops) / 1e9, 1),
      `${c.inferBatch}`,
      fmt(c.inferBatch / infer, c.inferBatch / infer < 10 ? 1 : 0),
      fmt(c.inferBatch / inferFolded, c.inferBatch / inferFolded < 10 ? 1 : 0),
      fmt(((c.inferBatch / inferFolded) * flops.forwardFlops) / 1e9, 1),
    ];
    rows.push(`| ${row.join(' | ')} |`);
    console.log(rows.at(-1));
  }
}
console.log('');
console.log(`Backend: ${backend}. Command: pnpm bench backbones ${wanted.join(' ')}`.trim());
console.log('| backbone | input | params | fwd FLOP/img | workers | train batch | step ms | train img/s | train GFLOP/s | infer batch | infer img/s | folded img/s | folded GFLOP/s |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
