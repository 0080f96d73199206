import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Dataset } from '@edgefl/core';
import { startModuleWorker } from '@edgefl/core/module-worker';
import { TrainError } from '../errors.js';
import type { Request, Response } from './protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
/** A request without its id (the host numbers them); distributes over the union. */
type Draft = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The engine's worker, next to this file (see `startModuleWorker` for sources under tsx). */
function startWorker(): Worker {
  return startModuleWorker(import.meta.url, 'worker-entry');
}

/**
 * One worker thread hosting the engines of several trainers. It starts with its first
 * engine and stops with its last, and it keeps the process alive only while a request is
 * pending (an idle trainer never blocks exit).
 */
export class WorkerHost {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  /** evaluation sets the current worker holds (their ids); reset when the worker stops */
  private sentData = new WeakMap<Dataset, number>();
  private nextId = 1;
  engines = 0;

  request(msg: Draft, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    try {
      w.postMessage({ ...msg, id }, transfer);
    } catch (e) {
      // nothing was sent (e.g. a function in the options cannot be cloned): fail this
      // call alone, and leave no pending entry behind to keep the thread referenced
      return Promise.reject(new TrainError('TRAIN_SPEC', `cannot send ${msg.kind === 'call' ? msg.method : msg.kind} to the training worker: ${(e as Error).message}`,
        'pass plain data: numbers, Float32Arrays and Datasets of them (no functions or class instances with private state)', { cause: e }));
    }
    if (msg.kind === 'call' && msg.data?.dataset) this.sentData.set(msg.data.dataset, msg.data.id);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) w.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  /** Evaluation-set reference: rows travel only until the current worker has them (marked once posted). */
  dataRef(ds: Dataset): { id: number; dataset?: Dataset } {
    const known = this.sentData.get(ds);
    return known !== undefined ? { id: known } : { id: this.nextId++, dataset: ds };
  }

  /** Called when an engine is disposed; the last one stops the thread. */
  async release(): Promise<void> {
    this.engines--;
    if (this.engines === 0 && this.worker && this.pending.size === 0) {
      const w = this.worker;
      this.stopped();
      await w.terminate();
    }
  }

  /** The worker is gone, and the evaluation sets it held with it: the next one gets them again. */
  private stopped(): void {
    this.worker = null;
    this.sentData = new WeakMap();
  }

  private start(): Worker {
    const w = startWorker();
    w.unref();
    w.on('message', (res: Response) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) w.unref();
      if (res.ok) p.resolve(res.result);
      else p.reject(res.error.code ? new TrainError(res.error.code, res.error.message, res.error.hint) : new Error(res.error.message));
    });
    const fail = (e: Error): void => {
      if (this.worker === w) this.stopped();
      for (const p of this.pending.values()) p.reject(new TrainError('TRAIN_WORKER', `training worker failed: ${e.message}`, 'create the trainer again; if it repeats, run with worker: false to see the error in place', { cause: e }));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (this.worker === w) fail(new Error(`exited with code ${code}`));
    });
    this.worker = w;
    return w;
  }
}

let pool: WorkerHost[] = [];
let poolSize = Math.max(1, Math.min(4, availableParallelism() - 1));
let cursor = 0;

/**
 * How many worker threads host trainers in this process (default: cores − 1, at least 1,
 * at most 4). A device runs one trainer; a lab run with hundreds of simulated nodes
 * shares these threads instead of starting one per node.
 */
export function setTrainerThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new TrainError('TRAIN_SPEC', `trainer worker count must be a positive integer, got ${n}`, 'e.g. setTrainerThreads(2)');
  poolSize = n;
}

/** How many worker threads host trainers in this process now (`setTrainerThreads`). */
export function trainerThreads(): number {
  return poolSize;
}

/** The host for a new engine: round robin over the pool. */
export function nextHost(): WorkerHost {
  pool = pool.slice(0, poolSize);
  while (pool.length < poolSize) pool.push(new WorkerHost());
  const h = pool[cursor++ % pool.length]!;
  h.engines++;
  return h;
}
