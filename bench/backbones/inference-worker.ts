// Worker thread for the 2-worker inference figures: builds one backbone on its own wasm instance and
// runs forward passes on request. The weights are random (a seed): speed does not depend on them.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { createBackbone, selectBackend, type BackboneOptions } from '@hvcm/backbones';

interface Setup {
  backend: 'wasm' | 'cpu' | 'node' | 'node-gpu';
  name: string;
  options: BackboneOptions;
  batch: number;
  size: number;
  channels: number;
  folded: boolean;
}

const setup = workerData as Setup;
await selectBackend({ backend: setup.backend, log: null });
const net = createBackbone(setup.name, { ...setup.options, seed: 1 });
const folded = setup.folded ? net.fold() : null;
const x = tf.randomUniform([setup.batch, setup.size, setup.size, setup.channels]) as tf.Tensor4D;
const run = (): void => {
  const out = folded === null ? net.forward(x) : folded.forward(x);
  out.features.dataSync();
  tf.dispose([out.features, ...(out.logits ? [out.logits] : [])]);
};
run(); // warm-up: XNNPACK operator creation and weight packing
parentPort?.postMessage('ready');
parentPort?.on('message', (message: { reps: number } | 'exit') => {
  if (message === 'exit') {
    folded?.dispose();
    net.dispose();
    x.dispose();
    process.exit(0);
  }
  for (let i = 0; i < message.reps; i++) run();
  parentPort?.postMessage('done');
});
