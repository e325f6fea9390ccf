// Inference FusedConv2D (conv + bias + ReLU / linear, BatchNorm folded) on the wasm backend:
// XNNPACK's kernel vs the Winograd one with bias and ReLU fused into its output transform, at the
// small-resnet 3x3 stride-1 layer shapes, batch 64 and 128. Prints best-of-R wall ms, mean thread
// CPU ms, and the max relative difference new vs old.
// Run: cd bench && npx tsx --conditions=@hvcm/source backbones/winograd-fused.ts [reps]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { winogradFusedConv2DKernel, winogradFusedConv2DPlan } from '../../packages/backbones/src/kernels/winograd-fused-conv2d';
import { relativeError } from '../../packages/backbones/src/test-support/compare';
import { bestOf, type Timing } from '../shared/best-of';

await tf.setBackend('wasm');
const reps = Number(process.argv[2] ?? 9);
const backend = tf.backend();
const original = tf.getKernel(tf.FusedConv2D, 'wasm');
if (original === undefined) throw new Error('winograd-fused bench: no FusedConv2D kernel for wasm');
const xnnpack = original.kernelFunc;
const winograd = winogradFusedConv2DKernel(xnnpack);

const layers = [
  { hw: 28, ci: 16, co: 16 },
  { hw: 14, ci: 32, co: 32 },
  { hw: 7, ci: 64, co: 64 },
];

/** Best wall ms and mean thread-CPU ms of `reps` runs of f (its result freed outside the timing). */
const time = (f: () => tf.TensorInfo): Timing => bestOf(reps, f, (out) => backend.disposeData(out.dataId));

/** max |a - b| / max |b| over two kernel outputs. */
const maxRel = (a: tf.TensorInfo, b: tf.TensorInfo): number =>
  relativeError(backend.readSync(a.dataId) as Float32Array, backend.readSync(b.dataId) as Float32Array);

console.log('| layer | batch | activation | tile | XNNPACK wall ms | Winograd wall ms | speedup (wall) | XNNPACK CPU ms | Winograd CPU ms | speedup (CPU) | max rel diff |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const n of [64, 128]) {
  for (const { hw, ci, co } of layers) {
    for (const activation of ['relu', 'linear'] as const) {
      const x = tf.randomUniform([n, hw, hw, ci], -1, 1, 'float32', 1);
      const filter = tf.randomUniform([3, 3, ci, co], -0.3, 0.3, 'float32', 2);
      const bias = tf.randomUniform([co], -0.5, 0.5, 'float32', 3);
      const args = {
        inputs: { x, filter, bias },
        attrs: { strides: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', dilations: 1, activation },
        backend,
      } as unknown as Parameters<tf.KernelFunc>[0];
      const plan = winogradFusedConv2DPlan(args.inputs as never, args.attrs as never);
      const run = (k: tf.KernelFunc) => (): tf.TensorInfo => k(args) as tf.TensorInfo;
      const old = time(run(xnnpack));
      const neu = time(run(winograd));
      const a = run(xnnpack)();
      const b = run(winograd)();
      const rel = maxRel(b, a);
      backend.disposeData(a.dataId);
      backend.disposeData(b.dataId);
      const f = (v: number): string => v.toFixed(2);
      console.log(
        `| ${hw}x${hw} ${ci}->${co} | ${n} | ${activation} | ${plan?.tile ?? '-'} | ${f(old.wall)} | ${f(neu.wall)} | ${f(old.wall / neu.wall)}x | ${f(old.cpu)} | ${f(neu.cpu)} | ${f(old.cpu / neu.cpu)}x | ${rel.toExponential(1)} |`,
      );
      tf.dispose([x, filter, bias]);
    }
  }
}
