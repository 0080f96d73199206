import * as ort from 'onnxruntime-node';
import { Rng, type Dataset } from '@edgefl/core';
import { TrainError } from '../errors.js';
import { resolveModel } from '../models/index.js';
import type { ModelDef, ModelSpec } from '../models/types.js';
import { initParams, layoutDim, makeLayout, type ParamLayout } from '../params/layout.js';
import { buildStepGraph, IO, type StepKind } from '../steps/graphs.js';
import { BatchBuffers } from './batch.js';
import { checkBatchData } from './batch-check.js';
import { BatchSampler } from './sampler.js';
import { leaseSession, type SessionLease } from './shared-sessions.js';

export interface SgdOptions { readonly steps: number; readonly lr: number; readonly batchSize: number }
export interface AdmmOptions extends SgdOptions {
  readonly anchor: Float32Array;
  readonly dual: Float32Array;
  readonly rho: number;
}
export interface ProxOptions extends SgdOptions { readonly l1: number }
export interface GradientOptions { readonly batchSize: number | 'full' }
/** `stepOn` options: the chosen step's hyper-parameters (no steps/batchSize: the batch is given). */
export interface SgdOnOptions { readonly kind?: 'sgd'; readonly lr: number }
export interface AdmmOnOptions {
  readonly kind: 'admm';
  readonly lr: number;
  readonly anchor: Float32Array;
  readonly dual: Float32Array;
  readonly rho: number;
}
export interface ProxOnOptions { readonly kind: 'prox'; readonly lr: number; readonly l1: number }
export type StepOnOptions = SgdOnOptions | AdmmOnOptions | ProxOnOptions;
export interface StepResult { readonly params: Float32Array; readonly loss: number }
export interface GradientResult { readonly grad: Float32Array; readonly loss: number }
export interface EvalResult { readonly loss: number; readonly accuracy: number | null }

export interface EngineOptions {
  readonly model: ModelSpec;
  readonly data: Dataset;
  readonly seed: number;
  readonly threads?: number;
}

/** Rows per run when a pass covers a whole dataset (evaluation, full gradient). */
const CHUNK = 1024;

/**
 * The trainer's engine: compiles the model's step graphs (lazily, one ONNX Runtime
 * session each), samples seeded mini-batches and runs steps. Runs on whichever thread
 * creates it; `createTrainer` puts it in a worker by default.
 */
export class Engine {
  readonly dim: number;
  readonly layout: ParamLayout;
  private readonly sessions = new Map<StepKind, SessionLease>();
  private readonly buffers = new Map<number, BatchBuffers>();
  /** buffers for caller-given batches: one slot, so arbitrary sizes do not pile up */
  private given: BatchBuffers | null = null;
  private closed = false;
  /** evaluation sets already checked */
  private readonly checkedSets = new WeakSet<Dataset>();
  /** runs under way: close() waits for them before it releases their sessions */
  private readonly running = new Set<Promise<unknown>>();
  private readonly sampler: BatchSampler;

  private constructor(readonly model: ModelDef, readonly data: Dataset, seed: number, private readonly threads: number) {
    this.layout = makeLayout(model.params);
    this.dim = layoutDim(this.layout);
    this.sampler = new BatchSampler(data.n, new Rng(seed).fork('minibatch'));
  }

  static async create(o: EngineOptions): Promise<Engine> {
    checkDataset(o.data);
    const model = await resolveModel(o.model, { features: o.data.features, classes: o.data.classes });
    const threads = o.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new TrainError('TRAIN_SPEC', `threads must be a positive integer, got ${threads}`, 'use threads: 1 on small boards');
    return new Engine(model, o.data, o.seed, threads);
  }

  get samples(): number {
    return this.data.n;
  }

  initParams(seed: number): Float32Array {
    return initParams(this.model.params, this.layout, seed);
  }

  /** `steps` SGD steps θ ← θ − α∇f(θ; B) on seeded mini-batches. */
  async sgd(params: Float32Array, o: SgdOptions): Promise<StepResult> {
    return this.loop('sgd', params, o, this.stepInputs({ kind: 'sgd', lr: o.lr }));
  }

  /** `steps` local-SADMM steps θ ← θ − α(g + λ + ρ(θ − anchor)). */
  async admmStep(params: Float32Array, o: AdmmOptions): Promise<StepResult> {
    return this.loop('admm', params, o, this.stepInputs({ kind: 'admm', lr: o.lr, rho: o.rho, anchor: o.anchor, dual: o.dual }));
  }

  /** `steps` proximal-SGD steps θ ← soft(θ − αg, αμ). */
  async proxStep(params: Float32Array, o: ProxOptions): Promise<StepResult> {
    return this.loop('prox', params, o, this.stepInputs({ kind: 'prox', lr: o.lr, l1: o.l1 }));
  }

  /**
   * One step of the chosen graph (`sgd` default, `admm`, `prox`) on exactly the rows of
   * `batch` (B = batch.n, any B ≥ 1): the same session and update as one step of
   * `sgd`/`admmStep`/`proxStep`, with the caller's rows instead of a sampled batch.
   * `loss` is the batch's mean loss before the step. The sampler is not advanced.
   */
  async stepOn(params: Float32Array, batch: Dataset, o: StepOnOptions): Promise<StepResult> {
    checkBatchData(batch, this.data);
    return this.stepOnChecked(params, batch, o);
  }

  /**
   * `stepOn` for a batch already checked by `checkBatchData` — the worker host's path,
   * whose client checked it before copying it over (one pass over the rows, not two).
   */
  async stepOnChecked(params: Float32Array, batch: Dataset, o: StepOnOptions): Promise<StepResult> {
    this.checkVector('params', params);
    const kind = stepKind(o);
    const extra = this.stepInputs(o);
    const session = await this.session(kind);
    const r = await this.run(session, kind, { [IO.params]: new ort.Tensor('float32', params, [this.dim]), ...this.feeds(this.fillGiven(batch)), ...extra });
    return { params: r[IO.paramsOut]!.data as Float32Array, loss: (r[IO.loss]!.data as Float32Array)[0]! };
  }

  /**
   * ∇f at `params`, the mean over exactly the rows of `batch`. Up to 1024 rows is one
   * run; larger batches go in chunks weighted by rows, as `gradient({ batchSize: 'full' })`,
   * so passing every training row gives that result bit for bit.
   */
  async gradientOn(params: Float32Array, batch: Dataset): Promise<GradientResult> {
    checkBatchData(batch, this.data);
    return this.gradientOnChecked(params, batch);
  }

  /** `gradientOn` for a batch already checked (the worker host's path, as `stepOnChecked`). */
  async gradientOnChecked(params: Float32Array, batch: Dataset): Promise<GradientResult> {
    this.checkVector('params', params);
    return this.meanGradient(params, batch);
  }

  /** ∇f at `params` on one seeded mini-batch, or on the whole dataset (`'full'`). */
  async gradient(params: Float32Array, o: GradientOptions): Promise<GradientResult> {
    this.checkVector('params', params);
    if (o.batchSize === 'full') return this.meanGradient(params, this.data);
    const session = await this.session('grad');
    const buf = this.sample(checkBatch(o.batchSize, this.data.n));
    const r = await this.run(session, 'grad', { [IO.params]: new ort.Tensor('float32', params, [this.dim]), ...this.feeds(buf) });
    return { grad: r[IO.grad]!.data as Float32Array, loss: (r[IO.loss]!.data as Float32Array)[0]! };
  }

  /** Mean loss and accuracy over `data` (default: the training data), in chunks. */
  async evaluate(params: Float32Array, data: Dataset = this.data): Promise<EvalResult> {
    this.checkVector('params', params);
    if (data !== this.data && !this.checkedSets.has(data)) {
      checkDataset(data, this.data);
      this.checkedSets.add(data); // an evaluation set is scanned once, not on every call
    }
    const session = await this.session('forward');
    const theta = new ort.Tensor('float32', params, [this.dim]);
    let loss = 0;
    let correct = 0;
    await this.chunks(data, async (buf, start) => {
      const r = await this.run(session, 'forward', { [IO.params]: theta, ...this.feeds(buf) });
      loss += (buf.rows / data.n) * (r[IO.loss]!.data as Float32Array)[0]!;
      if (data.classes > 0) correct += countCorrect(r[IO.pred]!.data as Float32Array, data.y, start, buf.rows, this.model.outputs);
    });
    return { loss, accuracy: data.classes > 0 ? correct / data.n : null };
  }

  /**
   * Releases every session. A call under way finishes its current run and then fails with
   * TRAIN_CLOSED (a released session must never run); a session that failed to build has
   * nothing to release.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.running);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    // shared with the other engines of this thread that run the same graph (shared-sessions.ts)
    for (const lease of all) await lease.release();
  }

  private async loop(kind: StepKind, params: Float32Array, o: SgdOptions, extra: Record<string, ort.Tensor>): Promise<StepResult> {
    this.checkVector('params', params);
    if (!Number.isInteger(o.steps) || o.steps < 0) throw new TrainError('TRAIN_SPEC', `steps must be a non-negative integer, got ${o.steps}`, 'e.g. steps: 10');
    const bs = checkBatch(o.batchSize, this.data.n);
    const session = await this.session(kind);
    let theta = params;
    let loss = 0;
    for (let s = 0; s < o.steps; s++) {
      const buf = this.sample(bs);
      const r = await this.run(session, kind, { [IO.params]: new ort.Tensor('float32', theta, [this.dim]), ...this.feeds(buf), ...extra });
      theta = r[IO.paramsOut]!.data as Float32Array;
      loss += (r[IO.loss]!.data as Float32Array)[0]!;
    }
    return { params: o.steps === 0 ? params.slice() : theta, loss: o.steps === 0 ? NaN : loss / o.steps };
  }

  /** Gradient of the mean loss over all rows of `data` = Σ_chunks (rows_c / n)·(chunk mean). */
  private async meanGradient(params: Float32Array, data: Dataset): Promise<GradientResult> {
    const session = await this.session('grad');
    const theta = new ort.Tensor('float32', params, [this.dim]);
    if (data.n <= CHUNK) {
      // one chunk, weight 1: the run's own output, without a weighted copy of it
      const r = await this.run(session, 'grad', { [IO.params]: theta, ...this.feeds(data === this.data ? this.fillRange(data) : this.fillGiven(data)) });
      return { grad: r[IO.grad]!.data as Float32Array, loss: (r[IO.loss]!.data as Float32Array)[0]! };
    }
    const grad = new Float32Array(this.dim);
    let loss = 0;
    await this.chunks(data, async (buf) => {
      const r = await this.run(session, 'grad', { [IO.params]: theta, ...this.feeds(buf) });
      const w = buf.rows / data.n;
      const g = r[IO.grad]!.data as Float32Array;
      for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! + w * g[i]!;
      loss += w * (r[IO.loss]!.data as Float32Array)[0]!;
    });
    return { grad, loss };
  }

  /** The hyper-parameter inputs of a step graph, checked (shared by the sampled and given-batch forms). */
  private stepInputs(o: StepOnOptions): Record<string, ort.Tensor> {
    finite('lr', o.lr, 'e.g. lr: 0.01');
    switch (o.kind) {
      case undefined:
      case 'sgd':
        return { lr: scalar(o.lr) };
      case 'admm':
        this.checkVector('anchor', o.anchor);
        this.checkVector('dual', o.dual);
        nonNegative('rho', o.rho, 'ADMM needs ρ ≥ 0, e.g. rho: 0.1');
        return {
          lr: scalar(o.lr), rho: scalar(o.rho),
          anchor: new ort.Tensor('float32', o.anchor, [this.dim]), dual: new ort.Tensor('float32', o.dual, [this.dim]),
        };
      case 'prox':
        nonNegative('l1', o.l1, 'the L1 weight μ is ≥ 0, e.g. l1: 1e-4');
        return { lr: scalar(o.lr), l1: scalar(o.l1) };
    }
  }

  /** Copies a caller's batch into the one reusable slot. */
  private fillGiven(batch: Dataset): BatchBuffers {
    const buf = this.givenBuffers(batch.n);
    buf.fill(batch, this.model.loss, null);
    return buf;
  }

  /** The one slot for caller-sized rows, reallocated only when the size changes. */
  private givenBuffers(rows: number): BatchBuffers {
    if (this.given?.rows !== rows) this.given = new BatchBuffers(rows, this.data.features, this.model.outputs);
    return this.given;
  }

  private session(kind: StepKind): Promise<ort.InferenceSession> {
    if (this.closed) throw new TrainError('TRAIN_CLOSED', `trainer is closed (needed its ${kind} graph)`, 'create a new trainer');
    let lease = this.sessions.get(kind);
    if (!lease) {
      const graph = buildStepGraph(this.model, this.data.features, kind);
      lease = leaseSession(graph.bytes, this.threads);
      this.sessions.set(kind, lease);
    }
    // ONNX Runtime refuses what edgefl's checks let through (an imported model's opset,
    // an op configuration or type it has no kernel for): name the model and the graph
    return lease.session.catch((e: unknown) => {
      throw new TrainError('TRAIN_MODEL', `ONNX Runtime cannot load the ${kind} graph of model "${this.model.name}": ${(e as Error).message}`,
        'for an imported model: export with opset 13–17 and the ops listed in docs/bring-your-own-model.md', { cause: e });
    });
  }

  /**
   * One session run, refused once the engine is closed and tracked so close() can wait for
   * it. A kernel failure (an imported model whose shapes only break at run time) is a
   * TrainError naming the model, like a load failure.
   */
  private async run(session: ort.InferenceSession, kind: StepKind, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
    if (this.closed) throw new TrainError('TRAIN_CLOSED', 'trainer was closed while a call was under way', 'await every call before close()');
    const r = session.run(feeds);
    this.running.add(r);
    try {
      return await r;
    } catch (e) {
      throw new TrainError('TRAIN_MODEL', `ONNX Runtime failed running the ${kind} graph of model "${this.model.name}": ${(e as Error).message}`,
        'for an imported model: check that it runs in ONNX Runtime on a batch of your data, and use the ops listed in docs/bring-your-own-model.md', { cause: e });
    } finally {
      this.running.delete(r);
    }
  }

  private buffersFor(rows: number): BatchBuffers {
    let b = this.buffers.get(rows);
    if (!b) {
      b = new BatchBuffers(rows, this.data.features, this.model.outputs);
      this.buffers.set(rows, b);
    }
    return b;
  }

  private sample(bs: number): BatchBuffers {
    const buf = this.buffersFor(bs);
    buf.fill(this.data, this.model.loss, this.sampler.next(buf.idx));
    return buf;
  }

  private fillRange(data: Dataset): BatchBuffers {
    const buf = this.buffersFor(data.n);
    buf.fill(data, this.model.loss, null);
    return buf;
  }

  private async chunks(data: Dataset, run: (buf: BatchBuffers, start: number) => Promise<void>): Promise<void> {
    for (let start = 0; start < data.n; start += CHUNK) {
      const rows = Math.min(CHUNK, data.n - start);
      // a caller's batch of any size leaves at most one odd-sized buffer behind
      const buf = rows === CHUNK || data === this.data ? this.buffersFor(rows) : this.givenBuffers(rows);
      buf.fill(data, this.model.loss, null, start);
      await run(buf, start);
    }
  }

  private feeds(buf: BatchBuffers): Record<string, ort.Tensor> {
    return {
      [IO.x]: new ort.Tensor('float32', buf.x, [buf.rows, buf.features]),
      [IO.target]: new ort.Tensor('float32', buf.target, [buf.rows, buf.outputs]),
    };
  }

  private checkVector(what: string, v: Float32Array): void {
    if (!(v instanceof Float32Array) || v.length !== this.dim) {
      throw new TrainError('TRAIN_PARAMS', `${what} must be a Float32Array of length ${this.dim} (the model's parameter count), got ${v instanceof Float32Array ? `length ${v.length}` : typeof v}`,
        'start from trainer.initParams(seed) and keep the same model spec on every node');
    }
  }
}

/** The step graph a `stepOn` call runs; an unknown kind is a user mistake. */
function stepKind(o: StepOnOptions): StepKind {
  if (o === null || typeof o !== 'object') throw new TrainError('TRAIN_SPEC', `stepOn options must be an object, got ${o === null ? 'null' : typeof o}`, 'e.g. { lr: 0.01 }');
  const k = (o as { kind?: unknown }).kind ?? 'sgd';
  if (k === 'sgd' || k === 'admm' || k === 'prox') return k;
  throw new TrainError('TRAIN_SPEC', `stepOn kind must be 'sgd', 'admm' or 'prox', got ${JSON.stringify(k)}`, "omit kind for plain SGD, or pass kind: 'admm' with anchor/dual/rho, kind: 'prox' with l1");
}

function finite(name: string, v: number, hint: string): void {
  if (!Number.isFinite(v)) throw new TrainError('TRAIN_SPEC', `${name} must be a finite number, got ${v}`, hint);
}

/** ρ and μ weight a penalty: a negative one turns soft-thresholding into garbage (Clip with min > max). */
function nonNegative(name: string, v: number, hint: string): void {
  if (!Number.isFinite(v) || v < 0) throw new TrainError('TRAIN_SPEC', `${name} must be a finite number ≥ 0, got ${v}`, hint);
}

function scalar(v: number): ort.Tensor {
  return new ort.Tensor('float32', Float32Array.of(v), [1]);
}

function checkBatch(bs: number, n: number): number {
  if (!Number.isInteger(bs) || bs < 1) throw new TrainError('TRAIN_SPEC', `batchSize must be a positive integer, got ${bs}`, 'e.g. batchSize: 32');
  return Math.min(bs, n);
}

function countCorrect(pred: Float32Array, y: Float32Array, start: number, rows: number, k: number): number {
  let c = 0;
  for (let r = 0; r < rows; r++) {
    let arg: number;
    if (k === 1) arg = pred[r]! > 0 ? 1 : 0; // binary logit
    else {
      arg = 0;
      for (let j = 1; j < k; j++) if (pred[r * k + j]! > pred[r * k + arg]!) arg = j;
    }
    if (arg === y[start + r]) c++;
  }
  return c;
}

/**
 * A dataset the engine trains or evaluates on gets the checks of a caller's batch
 * (`checkBatchData`: sizes, Float32Arrays, labels that are class indices, finite values —
 * one NaN would poison every parameter); `like` fixes the geometry (default: its own).
 */
export function checkDataset(d: Dataset, like?: Dataset): void {
  checkBatchData(d, like ?? d, 'dataset');
}
