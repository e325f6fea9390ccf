// Worker thread for the 2-worker inference figures: builds one backbone on its own wasm instance and
// runs forward passes on request. The weights are random (a seed): speed does not depend on them.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { createBackbone, selectBackend, threadCpuTimeMs, type BackboneOptions } from '@hvcm/backbones';

interface Setup {
  backend: 'wasm' | 'cpu' | 'node' | 'node-gpu';
  name: string;
  options: BackboneOptions;
  batch: number;
  size: number;
  channels: number;
}

const setup = workerData as Setup;
await selectBackend({ backend: setup.backend, log: null });
const net = createBackbone(setup.name, { ...setup.options, seed: 1 });
const x = tf.randomUniform([setup.batch, setup.size, setup.size, setup.channels]) as tf.Tensor4D;
const run = (): void => {
  const out = net.forward(x);
  out.features.dataSync();
  tf.dispose([out.features, ...(out.logits ? [out.logits] : [])]);
};
run(); // warm-up: XNNPACK operator creation and weight packing
parentPort?.postMessage('ready');
parentPort?.on('message', (message: { reps: number } | 'exit') => {
  if (message === 'exit') {
    net.dispose();
    x.dispose();
    process.exit(0);
  }
  const c0 = threadCpuTimeMs();
  for (let i = 0; i < message.reps; i++) run();
  const c1 = threadCpuTimeMs();
  // CPU milliseconds this thread spent (NaN off Linux).
  parentPort?.postMessage(c0 !== undefined && c1 !== undefined ? c1 - c0 : NaN);
});
