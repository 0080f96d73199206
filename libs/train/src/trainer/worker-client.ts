import type { Dataset } from '@edgefl/core';
import { TrainError } from '../errors.js';
import { layoutDim, type ParamLayout } from '../params/layout.js';
import type { AdmmOptions, EvalResult, GradientOptions, GradientResult, ProxOptions, SgdOptions, StepOnOptions, StepResult } from './engine.js';
import { checkBatchData } from './batch-check.js';
import { ownBuffer, type EngineInit, type Method } from './protocol.js';
import type { Trainer } from './types.js';
import { nextHost, type WorkerHost } from './worker-host.js';

let nextEngine = 1;

/** A Trainer whose engine lives in a worker thread (ONNX Runtime's run blocks its thread). */
export class WorkerTrainer implements Trainer {
  private closed = false;
  readonly dim: number;

  private constructor(
    readonly layout: ParamLayout,
    private readonly init: (seed: number) => Float32Array,
    private readonly trainData: Dataset,
    private readonly host: WorkerHost,
    private readonly engine: number,
  ) {
    this.dim = layoutDim(layout);
  }

  get samples(): number {
    return this.trainData.n;
  }

  /** Creates the engine in a pooled worker (training on `engineInit.data`); spec and data errors surface here. */
  static async create(layout: ParamLayout, init: (seed: number) => Float32Array, engineInit: EngineInit): Promise<WorkerTrainer> {
    const host = nextHost();
    const engine = nextEngine++;
    try {
      await host.request({ kind: 'create', engine, init: engineInit });
    } catch (e) {
      await host.release();
      throw e;
    }
    return new WorkerTrainer(layout, init, engineInit.data, host, engine);
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

  stepOn(params: Float32Array, batch: Dataset, o: StepOnOptions): Promise<StepResult> {
    return this.callOn('stepOn', params, batch, o) as Promise<StepResult>;
  }

  gradientOn(params: Float32Array, batch: Dataset): Promise<GradientResult> {
    return this.callOn('gradientOn', params, batch, null) as Promise<GradientResult>;
  }

  evaluate(params: Float32Array, data?: Dataset): Promise<EvalResult> {
    return this.call('evaluate', params, null, data === this.trainData ? undefined : data) as Promise<EvalResult>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.host.request({ kind: 'dispose', engine: this.engine }).catch(() => undefined);
    await this.host.release();
  }

  /**
   * A call with caller-given rows: checked here, before anything is copied or posted
   * (the worker's engine trusts this check), then sent as a private copy whose x and y
   * buffers are transferred, so the caller's arrays stay attached.
   */
  private callOn(method: 'stepOn' | 'gradientOn', params: Float32Array, batch: Dataset, opts: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closedError(method));
    try {
      checkBatchData(batch, this.trainData);
    } catch (e) {
      return Promise.reject(e);
    }
    const x = batch.x.slice();
    const y = batch.y.slice();
    const copy: Dataset = { name: batch.name, n: batch.n, features: batch.features, classes: batch.classes, x, y };
    return this.call(method, params, opts, undefined, copy, [ownBuffer(x), ownBuffer(y)]);
  }

  /** `evalSet`: an evaluation set other than the training data, referenced only after every check passed. */
  private call(method: Method, params: Float32Array, opts: unknown, evalSet?: Dataset, batch?: Dataset, extra: (ArrayBuffer | undefined)[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closedError(method));
    if (!(params instanceof Float32Array)) {
      return Promise.reject(new TrainError('TRAIN_PARAMS', `params must be a Float32Array, got ${typeof params}`, 'start from trainer.initParams(seed)'));
    }
    // the caller keeps its array: send a private copy and transfer that (one copy, no clone)
    const copy = params.slice();
    const transfer = [ownBuffer(copy), ...extra].filter((b): b is ArrayBuffer => b !== undefined);
    const data = evalSet ? this.host.dataRef(evalSet) : undefined;
    return this.host.request({ kind: 'call', engine: this.engine, method, params: copy, opts, ...(data ? { data } : {}), ...(batch ? { batch } : {}) }, transfer);
  }

  private closedError(method: Method): TrainError {
    return new TrainError('TRAIN_CLOSED', `trainer is closed (called ${method})`, 'create a new trainer');
  }
}
