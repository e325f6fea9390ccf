// Training-mode BatchNorm (+ ReLU) and the residual add + ReLU on the wasm backend: the hand-written
// SIMD kernels (new) against the tfjs-op path (old), per small-resnet layer shape at batch 64 and 128,
// forward alone and forward + backward (tf.grads with the upstream gradient given), then a whole
// small-resnet training step. Best-of-R wall ms and thread CPU ms (10 ms resolution: summed over the
// R repetitions, divided by R).
// Run: cd bench && npx tsx --conditions=@hvcm/source backbones/batch-norm.ts [reps] [step-reps]
import * as tf from '@tensorflow/tfjs-core';
import { createBackboneClassifierProgram, selectBackend } from '@hvcm/backbones';
import { addRelu, batchNormTraining } from '../../packages/backbones/src/kernels/batch-norm-ops';
import {
  registerBatchNormWasmKernels,
  unregisterBatchNormWasmKernels,
} from '../../packages/backbones/src/kernels/batch-norm-wasm-kernels';
import { bestOf, type Timing } from '../shared/best-of';

await selectBackend({ backend: 'wasm', log: null } as never);
const reps = Number(process.argv[2] ?? 9);
const stepReps = Number(process.argv[3] ?? 5);

/** Best wall ms and mean thread CPU ms of `body` over `r` runs (after one warm-up). */
const time = (body: () => void, r = reps): Timing => bestOf(r, body);

/** Runs `body` with the new kernels (true) or the tfjs-op path (false). */
function withKernels<T>(on: boolean, body: () => T): T {
  if (on) registerBatchNormWasmKernels();
  else unregisterBatchNormWasmKernels();
  try {
    return body();
  } finally {
    registerBatchNormWasmKernels();
  }
}

const fmt = (t: { wall: number; cpu: number }): string => `${t.wall.toFixed(2).padStart(7)} (${t.cpu.toFixed(1).padStart(5)})`;

interface Case {
  name: string;
  forward: (x: tf.Tensor4D, p: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor;
  /** Gradients of the op's output in its inputs, given the upstream gradient dy. */
  backward: (x: tf.Tensor4D, p: tf.Tensor4D, g: tf.Tensor1D, b: tf.Tensor1D, dy: tf.Tensor4D) => tf.Tensor[];
}
const bn = (relu: boolean): Case => {
  const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const r = batchNormTraining(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, relu);
    r.mean.dispose();
    r.variance.dispose();
    return r.y;
  };
  return {
    name: relu ? 'bn+relu' : 'bn',
    forward: (x, _p, g, b) => f(x, g, b),
    backward: (x, _p, g, b, dy) => tf.grads(f)([x, g, b], dy),
  };
};
const addReluCase: Case = {
  name: 'add+relu',
  forward: (x, p) => addRelu(x, p),
  backward: (x, p, _g, _b, dy) => tf.grads((a: tf.Tensor, q: tf.Tensor) => addRelu(a, q))([x, p], dy),
};

console.log('per op, ms: wall best-of-R (thread CPU mean); old = tfjs ops, new = wasm kernels');
console.log('shape              op         fwd old          fwd new          fwd+bwd old      fwd+bwd new');
const totals = new Map<number, { old: number; new: number }>();
// Calls per small-resnet training step at each shape (widths 16/32/64, 2 blocks per stage):
// BatchNorms with ReLU, without, and block-end add + ReLUs.
const perStep = [
  { hw: 28, c: 16, counts: { 'bn+relu': 3, bn: 2, 'add+relu': 2 } },
  { hw: 14, c: 32, counts: { 'bn+relu': 2, bn: 3, 'add+relu': 2 } },
  { hw: 7, c: 64, counts: { 'bn+relu': 2, bn: 3, 'add+relu': 2 } },
];
for (const batch of [64, 128]) {
  const sum = { old: 0, new: 0 };
  for (const { hw, c, counts } of perStep) {
    const shape: [number, number, number, number] = [batch, hw, hw, c];
    const x = tf.randomNormal(shape, 3, 2, 'float32', 1) as tf.Tensor4D;
    const p = tf.randomNormal(shape, 0, 1, 'float32', 2) as tf.Tensor4D;
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const g = tf.randomUniform([c], 0.5, 1.5, 'float32', 4) as tf.Tensor1D;
    const b = tf.randomNormal([c], 0, 1, 'float32', 5) as tf.Tensor1D;
    for (const op of [bn(true), bn(false), addReluCase]) {
      const run = (on: boolean, backward: boolean) =>
        withKernels(on, () =>
          // The wasm backend runs kernels synchronously: no read-back needed (it would add a full copy).
          time(() => tf.dispose(tf.tidy(() => (backward ? op.backward(x, p, g, b, dy) : [op.forward(x, p, g, b)])))),
        );
      const [fo, fn, bo, bnw] = [run(false, false), run(true, false), run(false, true), run(true, true)];
      const n = counts[op.name as keyof typeof counts];
      sum.old += n * bo.wall;
      sum.new += n * bnw.wall;
      console.log(`[${shape.join(',')}]`.padEnd(19), op.name.padEnd(10), fmt(fo), ' ', fmt(fn), ' ', fmt(bo), ' ', fmt(bnw));
    }
    tf.dispose([x, p, dy, g, b]);
  }
  totals.set(batch, sum);
}
for (const [batch, s] of totals) {
  console.log(`batch ${batch}: fwd+bwd over one step's BatchNorm/add+ReLU calls: old ${s.old.toFixed(1)} ms, new ${s.new.toFixed(1)} ms, saved ${(s.old - s.new).toFixed(1)} ms`);
}

console.log('\nwhole small-resnet training step (momentum SGD), ms: wall best-of (thread CPU mean)');
for (const batch of [64, 128]) {
  const prog = createBackboneClassifierProgram({
    backbone: 'small-resnet',
    backboneOptions: { numClasses: 10, inputChannels: 1, inputSize: 28, seed: 1 },
  });
  const x = tf.randomUniform([batch, 28, 28, 1]);
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const opt = tf.train.momentum(0.01, 0.9);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => prog.loss(x, y), prog.variables as tf.Variable[]);
    opt.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  // Alternate old and new so that both see the same machine load.
  const best = { old: { wall: Infinity, cpu: Infinity }, new: { wall: Infinity, cpu: Infinity } };
  for (let i = 0; i < stepReps; i++) {
    for (const on of [false, true]) {
      const t = withKernels(on, () => time(step, 2));
      const key = on ? 'new' : 'old';
      best[key] = { wall: Math.min(best[key].wall, t.wall), cpu: Math.min(best[key].cpu, t.cpu) };
    }
  }
  console.log(`batch ${batch}: old ${fmt(best.old)}  new ${fmt(best.new)}  saved ${(best.old.wall - best.new.wall).toFixed(1)} ms wall, ${(best.old.cpu - best.new.cpu).toFixed(0)} ms CPU`);
  tf.dispose([x, y]);
}
