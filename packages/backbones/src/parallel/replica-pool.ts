import { InvalidArgumentError, ShapeMismatchError } from '@hvcm/metrics';
import type { BackendName } from '../backend/backend-name';
import type { OptimizerSpec } from './optimizer-spec';
import type { ReplicaState } from './replica';
import { ReplicaWorkerError, type ReplicaRecovery, type WorkerDeath } from './replica-worker-error';
import { viewSlots, type SharedSlots } from './shared-slots';
import { spawnReplicaWorker } from './spawn-worker';
import type { ProgramReference } from './training-program';
import { WorkerHandle } from './worker-handle';
import type { InitResult } from './worker-protocol';
import { at } from './at';

export interface ReplicaPoolOptions {
  readonly program: ProgramReference;
  readonly optimizer: OptimizerSpec;
  readonly backend: BackendName;
  readonly count: number;
  /** Worker restarts allowed over the pool's life (each restarted thread counts one). */
  readonly maxRestarts: number;
}

/** Shared memory of the group; kept so that a restarted worker attaches to the same slots. */
interface SharedMemory {
  readonly grads: SharedArrayBuffer;
  readonly buffers: SharedArrayBuffer;
  readonly shared: SharedArrayBuffer;
}

/**
 * The replica worker threads of one data-parallel trainer, and their recovery: `ensureAll()`
 * replaces dead workers with fresh ones that take over a survivor's weights, buffers and optimizer
 * state (so training continues bit for bit), up to `maxRestarts` restarts.
 */
export class ReplicaPool {
  private restarts = 0;
  private final: ReplicaWorkerError | undefined;
  /** Set when every worker died: the restarted ones hold initial weights until `stateRestored()`. */
  private lost: readonly WorkerDeath[] | undefined;

  private constructor(
    private readonly options: ReplicaPoolOptions,
    readonly handles: WorkerHandle[],
    readonly info: InitResult,
    readonly parameterCount: number,
    readonly bufferCount: number,
    readonly slots: SharedSlots,
    private readonly memory: SharedMemory,
  ) {}

  /** Starts `count` workers, builds the program in each and makes them identical (replica 0's weights). */
  static async create(options: ReplicaPoolOptions): Promise<ReplicaPool> {
    const handles = Array.from({ length: options.count }, (_, i) => new WorkerHandle(spawnReplicaWorker(), i));
    try {
      const inits = await Promise.all(handles.map((h) => ReplicaPool.init(h, options)));
      const info = at(inits, 0);
      inits.forEach((other) => ReplicaPool.checkShapes(info, other));
      const parameterCount = info.sizes.reduce((a, b) => a + b, 0);
      const bufferCount = info.bufferSizes.reduce((a, b) => a + b, 0);
      const memory: SharedMemory = {
        grads: new SharedArrayBuffer(4 * options.count * parameterCount),
        buffers: new SharedArrayBuffer(4 * options.count * bufferCount),
        shared: new SharedArrayBuffer(4 * (parameterCount + bufferCount)),
      };
      const slots = viewSlots(memory.grads, memory.buffers, memory.shared, options.count, parameterCount, bufferCount);
      const pool = new ReplicaPool(options, handles, info, parameterCount, bufferCount, slots, memory);
      await Promise.all(handles.map((h) => pool.attach(h)));
      await pool.synchronize();
      return pool;
    } catch (error) {
      await Promise.all(handles.map((h) => h.stop()));
      throw error;
    }
  }

  private static init(h: WorkerHandle, o: ReplicaPoolOptions): Promise<InitResult> {
    return h.call<InitResult>({ type: 'init', program: o.program, optimizer: o.optimizer, backend: o.backend });
  }

  private static checkShapes(info: InitResult, other: InitResult): void {
    if (other.sizes.join() !== info.sizes.join() || other.bufferSizes.join() !== info.bufferSizes.join()) {
      throw new ShapeMismatchError('replicas built programs with different variables; the program must be deterministic in shape');
    }
  }

  private attach(h: WorkerHandle): Promise<unknown> {
    return h.call({ type: 'attach', index: h.index, workers: this.options.count, ...this.memory });
  }

  /** Replica 0's weights and buffers for everyone: identical replicas whatever the program's seeding. */
  private async synchronize(): Promise<void> {
    await at(this.handles, 0).call({ type: 'publish' });
    await Promise.all(this.handles.slice(1).map((h) => h.call({ type: 'load' })));
  }

  liveWorkers(): number {
    return this.handles.filter((h) => !h.exited).length;
  }

  dead(): WorkerHandle[] {
    return this.handles.filter((h) => h.dead);
  }

  live(): WorkerHandle[] {
    return this.handles.filter((h) => !h.dead);
  }

  private restartsText(dead: number): string {
    const total = this.options.maxRestarts;
    return this.restarts + dead > total
      ? `maxRestarts ${total} used up: ${this.restarts} restart(s) so far`
      : `restart ${this.restarts + 1}${dead > 1 ? `-${this.restarts + dead}` : ''} of maxRestarts ${total}`;
  }

  private recoveryFor(dead: number): ReplicaRecovery {
    if (this.restarts + dead > this.options.maxRestarts) return 'final';
    return dead === this.handles.length ? 'state-lost' : 'restart';
  }

  /**
   * The error for an operation during which workers died (once they have exited) (`stepApplied`: for a step, whether its
   * update is in every surviving replica). Marks the pool final when the restarts are used up.
   */
  async failure(what: string, stepApplied?: boolean): Promise<ReplicaWorkerError> {
    const dead = this.dead();
    // A thread that threw is still exiting: wait, so that `liveWorkers()` is exact once this rejects.
    await Promise.all(dead.map((h) => h.stop()));
    const recovery = this.recoveryFor(dead.length);
    const error = new ReplicaWorkerError(what, dead.map((h) => h.death), recovery, stepApplied, this.restartsText(dead.length));
    if (recovery === 'final') this.final ??= error;
    return error;
  }

  /**
   * Before an operation on every replica: restarts dead workers (a survivor's state copied into
   * each), or throws when restarts are used up. Every worker dead: restarts them all from the
   * program and marks the state lost.
   */
  async ensureAll(): Promise<void> {
    if (this.final !== undefined) throw this.final;
    const dead = this.dead();
    if (dead.length === 0) return;
    if (this.recoveryFor(dead.length) === 'final') throw await this.failure('replica workers died');
    const deaths = dead.map((h) => h.death);
    await Promise.all(dead.map((h) => h.stop()));
    const donor = this.live()[0];
    const state = donor === undefined ? undefined : await donor.call<ReplicaState>({ type: 'export-state' });
    await Promise.all(dead.map((h) => this.restart(h.index, state)));
    if (state === undefined) {
      await this.synchronize();
      this.lost = deaths;
    }
  }

  private async restart(index: number, state: ReplicaState | undefined): Promise<void> {
    this.restarts++;
    const fresh = new WorkerHandle(spawnReplicaWorker(), index);
    try {
      ReplicaPool.checkShapes(this.info, await ReplicaPool.init(fresh, this.options));
      await this.attach(fresh);
      if (state !== undefined) await fresh.call({ type: 'import-state', state });
    } catch (error) {
      await fresh.stop();
      throw error;
    }
    this.handles[index] = fresh;
  }

  /** Throws while the state is lost (every worker died and `setWeights` has not been called since). */
  checkState(what: string): void {
    if (this.final !== undefined) throw this.final;
    if (this.lost !== undefined) {
      throw new ReplicaWorkerError(`${what}: the trainer's state was lost`, this.lost, 'state-lost', undefined, `${this.restarts} restart(s) of ${this.options.maxRestarts} used`);
    }
  }

  /** `setWeights` gave every replica a known state again. */
  stateRestored(): void {
    this.lost = undefined;
  }

  /** A live replica to read weights from (no restart needed: survivors hold the full state). */
  async reader(what: string): Promise<WorkerHandle> {
    if (this.lost !== undefined) this.checkState(what);
    const h = this.live()[0];
    if (h === undefined) throw await this.failure(`${what}: no replica worker is alive`);
    return h;
  }

  /** Frees every replica and terminates the threads (resolves once they have exited). */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.handles.map((h) => h.call({ type: 'dispose' })));
    await Promise.all(this.handles.map((h) => h.stop()));
  }
}

export function checkMaxRestarts(value: number | undefined): number {
  const n = value ?? 3;
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`maxRestarts must be an integer >= 0, got ${n}`);
  return n;
}
