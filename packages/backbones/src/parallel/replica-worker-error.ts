import { HvcmError } from '@hvcm/metrics';

/** How one replica worker thread ended: its exit code and/or the uncaught error that ended it. */
export interface WorkerDeath {
  /** Index of the replica (0-based, the order of the sub-batches). */
  readonly index: number;
  /** Exit code, once the thread has exited (`process.exit(7)` gives 7, `terminate()` 1). */
  readonly exitCode: number | undefined;
  /** The uncaught error that killed the thread, if any. */
  readonly error: Error | undefined;
}

/** What a data-parallel trainer does after replica workers died. */
export type ReplicaRecovery =
  /** The dead workers are restarted on the next call, with a survivor's weights, buffers and optimizer state. */
  | 'restart'
  /** Every worker died: they are restarted on the next call, but weights and optimizer state are lost until `setWeights`. */
  | 'state-lost'
  /** `maxRestarts` is used up: the trainer will not restart workers; `getWeights` still answers while a replica lives. */
  | 'final';

function describeDeath(d: WorkerDeath): string {
  const how =
    d.error !== undefined
      ? `died of an uncaught ${d.error.name}: ${d.error.message}`
      : `exited with code ${d.exitCode ?? 'unknown'}`;
  return `replica worker ${d.index} ${how}`;
}

function describeNext(recovery: ReplicaRecovery, stepApplied: boolean | undefined, restarts: string): string {
  const step =
    stepApplied === undefined
      ? ''
      : stepApplied
        ? 'Every surviving replica applied this step\'s update (the restarted workers get it too). '
        : 'No replica applied this step\'s update: the survivors keep the weights from before it. ';
  switch (recovery) {
    case 'restart':
      return `${step}The trainer restarts the dead worker(s) on the next call and copies weights, BatchNorm buffers and optimizer state from a surviving replica (${restarts}).`;
    case 'state-lost':
      return `${step}Every replica died, so the weights and optimizer state are lost: the trainer restarts the workers on the next call, but refuses steps and getWeights until you call setWeights(weights, buffers) with a checkpoint (${restarts}).`;
    case 'final':
      return `${step}The trainer will not restart workers (${restarts}): save the weights with getWeights() while a replica lives, then dispose() it.`;
  }
}

/**
 * A replica worker thread of a data-parallel trainer died (uncaught error, out of memory,
 * `process.exit` in the program, a terminated thread). `recovery` says what the trainer does next;
 * `stepApplied` whether the failed step's update is in the weights (all replicas or none, never half).
 * `code` is `'REPLICA_WORKER_FAILED'`.
 */
export class ReplicaWorkerError extends HvcmError {
  readonly deaths: readonly WorkerDeath[];
  readonly recovery: ReplicaRecovery;
  /** For a failed step: whether its update was applied (by every replica); undefined outside a step. */
  readonly stepApplied: boolean | undefined;

  constructor(
    what: string,
    deaths: readonly WorkerDeath[],
    recovery: ReplicaRecovery,
    stepApplied: boolean | undefined,
    restarts: string,
  ) {
    const cause = deaths.find((d) => d.error !== undefined)?.error;
    super('REPLICA_WORKER_FAILED', `${what}: ${deaths.map(describeDeath).join('; ')}. ${describeNext(recovery, stepApplied, restarts)}`, {
      cause,
    });
    this.name = 'ReplicaWorkerError';
    this.deaths = deaths;
    this.recovery = recovery;
    this.stepApplied = stepApplied;
  }
}
