// Entry of one data-parallel replica thread: its own tfjs engine and wasm instance, its own copy of
// the program, gradients exchanged through shared memory (see data-parallel-step.ts).
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select-backend';
import { Replica, loadProgram } from './replica';
import { threadCpuTimeMs } from './thread-cpu-time';
import { viewSlots, type SharedSlots } from './shared-slots';
import type { InitResult, WorkerRequest, WorkerResponse } from './worker-protocol';
import { at } from './at';

let replica: Replica | undefined;
let slots: SharedSlots | undefined;
let index = 0;
let stepStartCpu: number | undefined;

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`@hvcm/backbones replica worker: ${what} before init/attach`);
  return value;
}

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'init': {
      const selection = await selectBackend({ backend: request.backend, log: null });
      const program = await loadProgram(request.program);
      replica = new Replica(program, request.optimizer);
      const result: InitResult = { sizes: replica.sizes, bufferSizes: replica.bufferSizes, backend: selection.name };
      return result;
    }
    case 'attach': {
      const r = need(replica, 'attach');
      index = request.index;
      slots = viewSlots(request.grads, request.buffers, request.shared, request.workers, r.parameterCount, r.bufferCount);
      return null;
    }
    case 'publish': {
      const r = need(replica, 'publish');
      const s = need(slots, 'publish');
      r.read('weights', s.sharedWeights);
      r.read('buffers', s.sharedBuffers);
      return null;
    }
    case 'load': {
      const r = need(replica, 'load');
      const s = need(slots, 'load');
      r.write('weights', s.sharedWeights);
      r.write('buffers', s.sharedBuffers);
      return null;
    }
    case 'gradients': {
      const r = need(replica, 'gradients');
      const s = need(slots, 'gradients');
      stepStartCpu = threadCpuTimeMs();
      r.saveBuffers();
      const loss = await r.gradients(request.x, request.y, request.weight, at(s.grads, index));
      r.read('buffers', at(s.buffers, index));
      return loss;
    }
    case 'apply': {
      const r = need(replica, 'apply');
      const s = need(slots, 'apply');
      r.apply(s.grads);
      r.averageBuffers(s.buffers, request.bufferWeights);
      const end = threadCpuTimeMs();
      // CPU time of this replica's whole step (gradients + update), or null where unknown.
      return end !== undefined && stepStartCpu !== undefined ? end - stepStartCpu : null;
    }
    case 'rollback':
      need(replica, 'rollback').restoreBuffers();
      return null;
    case 'export-state':
      return need(replica, 'export-state').exportState();
    case 'import-state':
      need(replica, 'import-state').importState(request.state);
      return null;
    case 'learning-rate':
      need(replica, 'learning-rate').optimizer.setLearningRate(request.value);
      return null;
    case 'memory':
      return tf.memory().numTensors;
    case 'dispose':
      replica?.dispose();
      replica = undefined;
      return null;
  }
}

if (parentPort !== null) {
  const port = parentPort;
  // Requests are handled strictly one after another.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (message: { id: number; request: WorkerRequest }) => {
    queue = queue.then(async () => {
      let response: WorkerResponse;
      try {
        response = { id: message.id, ok: true, result: await handle(message.request) };
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        response = { id: message.id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } };
      }
      port.postMessage(response);
    });
  });
}
