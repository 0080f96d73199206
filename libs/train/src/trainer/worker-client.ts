import { Worker } from 'node:worker_threads';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '@edgefl/core';
import { TrainError } from '../errors.js';
import type { ParamLayout } from '../params/layout.js';
import type { AdmmOptions, EvalResult, GradientOptions, GradientResult, ProxOptions, SgdOptions, StepResult } from './engine.js';
import { ownBuffer, type Method, type Request, type Response, type WorkerInit } from './protocol.js';
import type { Trainer } from './types.js';

/**
 * Starts the worker file next to this one, with this file's extension: `.js` from dist/,
 * `.ts` when the sources run under tsx (tests, `--conditions=edgefl-source`). A worker
 * inherits execArgv, but tsx's `--import` hooks are not active for a worker's entry file,
 * so a one-line bootstrap registers tsx's ESM API in the worker before importing it.
 */
function startWorker(workerData: WorkerInit): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./worker-entry${ext}`, import.meta.url);
  if (ext === '.js') return new Worker(entry, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** A Trainer whose engine runs in a worker thread (ONNX Runtime's run blocks its thread). */
export class WorkerTrainer implements Trainer {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly evalIds = new WeakMap<Dataset, number>();
  private nextId = 1;
  private closed = false;

  constructor(
    readonly dim: number,
    readonly samples: number,
    readonly layout: ParamLayout,
    private readonly init: (seed: number) => Float32Array,
    private readonly trainData: Dataset,
    workerInit: WorkerInit,
  ) {
    this.worker = startWorker(workerInit);
    // an idle trainer must not keep the process alive; a pending call must
    this.worker.unref();
    this.worker.on('message', (res: Response) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (this.pending.size === 0) this.worker.unref();
      if (res.ok) p.resolve(res.result);
      else {
        const e = res.error.code ? new TrainError(res.error.code, res.error.message, res.error.hint) : new Error(res.error.message);
        p.reject(e);
      }
    });
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => this.failAll(new Error(`training worker exited (code ${code})`)));
  }

  initParams(seed: number): Float32Array {
    return this.init(seed);
  }

  sgd(params: Float32Array, o: SgdOptions): Promise<StepResult> {
    return this.call('sgd', params, o) as Promise<StepResult>;
  }

  admmStep(params: Float32Array, o: AdmmOptions): Promise<StepResult> {
    return this.call('admmStep', params, o) as Promise<StepResult>;
  }

  proxStep(params: Float32Array, o: ProxOptions): Promise<StepResult> {
    return this.call('proxStep', params, o) as Promise<StepResult>;
  }

  gradient(params: Float32Array, o: GradientOptions): Promise<GradientResult> {
    return this.call('gradient', params, o) as Promise<GradientResult>;
  }

  evaluate(params: Float32Array, data?: Dataset): Promise<EvalResult> {
    if (!data || data === this.trainData) return this.call('evaluate', params, null) as Promise<EvalResult>;
    let id = this.evalIds.get(data);
    const first = id === undefined;
    if (id === undefined) {
      id = this.nextId++;
      this.evalIds.set(data, id);
    }
    return this.call('evaluate', params, null, { id, ...(first ? { dataset: data } : {}) }) as Promise<EvalResult>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.call('close', new Float32Array(0), null).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  private call(method: Method, params: Float32Array, opts: unknown, data?: Request['data']): Promise<unknown> {
    if (this.closed) return Promise.reject(new TrainError('TRAIN_CLOSED', `trainer is closed (called ${method})`, 'create a new trainer'));
    if (!(params instanceof Float32Array)) {
      return Promise.reject(new TrainError('TRAIN_PARAMS', `params must be a Float32Array, got ${typeof params}`, 'start from trainer.initParams(seed)'));
    }
    const id = this.nextId++;
    // the caller keeps its array: send a private copy and transfer that (one copy, no clone)
    const copy = params.slice();
    const transfer: ArrayBuffer[] = [];
    const buf = ownBuffer(copy);
    if (buf) transfer.push(buf);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, method, params: copy, opts, ...(data ? { data } : {}) } satisfies Request, transfer);
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
