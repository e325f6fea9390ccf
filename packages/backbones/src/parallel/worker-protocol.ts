import type { BackendName } from '../backend/backend-name';
import type { BatchArray } from './batch-arrays';
import type { OptimizerSpec } from './optimizer-spec';
import type { ReplicaState } from './replica';
import type { ProgramReference } from './training-program';

/** Requests the main thread sends to a replica worker (one at a time per worker). */
export type WorkerRequest =
  | { type: 'init'; program: ProgramReference; optimizer: OptimizerSpec; backend: BackendName }
  | { type: 'attach'; index: number; workers: number; grads: SharedArrayBuffer; buffers: SharedArrayBuffer; shared: SharedArrayBuffer }
  | { type: 'publish' }
  | { type: 'load' }
  | { type: 'gradients'; x: BatchArray; y: BatchArray; weight: number }
  | { type: 'apply'; bufferWeights: number[] }
  /** Undo the buffer changes of the last `gradients` (a step that another replica failed). */
  | { type: 'rollback' }
  | { type: 'export-state' }
  | { type: 'import-state'; state: ReplicaState }
  | { type: 'learning-rate'; value: number }
  | { type: 'memory' }
  | { type: 'dispose' };

export interface InitResult {
  sizes: number[];
  bufferSizes: number[];
  backend: BackendName;
}

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };
