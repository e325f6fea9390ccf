// Where one training step's time goes, per wasm kernel: small-resnet (or a named backbone) with
// softmax cross-entropy and SGD + momentum on random data, one thread. Run:
//   cd bench && npx tsx --conditions=@hvcm/source backbones/profile-step.ts [batch=128] [backbone=small-resnet]
// Kernel times are inclusive wall-clock ms per step; a kernel that calls another through the
// registry (the conv gradients composing transposes, say) counts once, at the outer call.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, createBackboneClassifierProgram, backboneSpec } from '@hvcm/backbones';

const args = process.argv.slice(2).filter((a) => a !== '--');
const batch = Number(args[0] ?? 128);
const name = args[1] ?? 'small-resnet';
await selectBackend({ backend: (process.env.HVCM_BACKEND as 'wasm' | undefined) ?? 'wasm' });

const times = new Map<string, { ms: number; calls: number }>();
const wrapped = new Set<string>();
let depth = 0;
/** Wraps every kernel of the active backend not wrapped yet (some register on first use). */
function wrapKernels(): void {
  const backend = tf.getBackend();
  for (const k of tf.getKernelsForBackend(backend)) {
    if (wrapped.has(k.kernelName)) continue;
    wrapped.add(k.kernelName);
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (a) => {
        depth++;
        const t = performance.now();
        const r = inner(a);
        depth--;
        if (depth === 0) {
          const e = times.get(k.kernelName) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t;
          e.calls++;
          times.set(k.kernelName, e);
        }
        return r;
      },
    });
  }
}

const spec = backboneSpec(name);
const size = spec.inputSize;
const channels = spec.inputChannels;
const program = createBackboneClassifierProgram({
  backbone: name,
  backboneOptions: { numClasses: 10, inputChannels: channels, inputSize: size, seed: 1 },
});
const x = tf.randomUniform([batch, size, size, channels]);
const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
const optimizer = tf.train.momentum(0.01, 0.9);
const step = (): void => {
  const { value, grads } = tf.variableGrads(() => program.loss(x, y), program.variables as tf.Variable[]);
  optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
wrapKernels();
step();
wrapKernels();
step();
times.clear();
const reps = 4;
const t0 = performance.now();
for (let i = 0; i < reps; i++) step();
const wall = (performance.now() - t0) / reps;
const rows = [...times].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0) / reps;
console.log(`${name}, batch ${batch}, backend ${tf.getBackend()}: step ${wall.toFixed(1)} ms (${((batch * 1000) / wall).toFixed(0)} images/s), kernels ${kernelMs.toFixed(1)} ms, other ${(wall - kernelMs).toFixed(1)} ms`);
for (const [kernel, v] of rows.slice(0, 20)) {
  console.log(`${kernel.padEnd(32)} ${(v.ms / reps).toFixed(2).padStart(8)} ms ${String(v.calls / reps).padStart(5)} calls`);
}
program.dispose?.();
tf.dispose([x, y]);
