import type { Worker } from 'node:worker_threads';
import type { WorkerDeath } from './replica-worker-error';
import type { WorkerRequest, WorkerResponse } from './worker-protocol';

/**
 * Main-thread handle of one replica worker: numbered requests, answered in order. Records how the
 * thread died (an 'error' event, then 'exit'), which rejects every pending and later request.
 */
export class WorkerHandle {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private uncaught: Error | undefined;
  private exitCode: number | undefined;
  exited = false;
  readonly exit: Promise<void>;

  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    worker.on('message', (response: WorkerResponse) => {
      const entry = this.pending.get(response.id);
      if (entry === undefined) return;
      this.pending.delete(response.id);
      if (response.ok) entry.resolve(response.result);
      else {
        const error = new Error(`replica worker: ${response.error.message}`);
        error.name = response.error.name;
        if (response.error.stack !== undefined) error.stack = response.error.stack;
        entry.reject(error);
      }
    });
    worker.on('error', (error) => {
      this.uncaught ??= error;
      this.fail(error);
    });
    this.exit = new Promise((resolve) => {
      worker.on('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        this.fail(new Error(`replica worker ${index} exited (code ${code})`));
        resolve();
      });
    });
  }

  /** The thread died or is dying (an uncaught error or an exit): it answers nothing more. */
  get dead(): boolean {
    return this.failure !== undefined;
  }

  get death(): WorkerDeath {
    return { index: this.index, exitCode: this.exitCode, error: this.uncaught };
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  call<T>(request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  /** Terminates the thread (if still running) and resolves once it has exited. */
  async stop(): Promise<void> {
    await this.worker.terminate();
    await this.exit;
  }
}
