import type { Dataset } from '@edgefl/core';
import type { ModelSpec } from '../models/types.js';
import type { ParamLayout } from '../params/layout.js';
import type { AdmmOptions, EvalResult, GradientOptions, GradientResult, ProxOptions, SgdOptions, StepOnOptions, StepResult } from './engine.js';

export interface TrainerOptions {
  readonly model: ModelSpec;
  readonly data: Dataset;
  /** seeds mini-batch sampling (and nothing else: `initParams` takes its own seed) */
  readonly seed: number;
  /** run ONNX Runtime in a worker thread so the caller's event loop stays free; default true */
  readonly worker?: boolean;
  /** ONNX Runtime intra-op threads; default 1 */
  readonly threads?: number;
}

/**
 * A model bound to a dataset, trained in ONNX Runtime. Structurally a `LocalLearner`
 * (libs/algorithms). Parameters are one flat Float32Array laid out as `layout` says;
 * every method leaves the caller's arrays untouched and returns fresh ones.
 */
export interface Trainer {
  /** length of the flat parameter vector */
  readonly dim: number;
  /** rows of its dataset */
  readonly samples: number;
  /** where each parameter tensor sits in the flat vector */
  readonly layout: ParamLayout;
  /** deterministic initialisation (He / Glorot normal from a seeded Rng; zeros for biases) */
  initParams(seed: number): Float32Array;
  /** `steps` mini-batch SGD steps; `loss` is the mean of the batches' losses (NaN for steps: 0) */
  sgd(params: Float32Array, o: SgdOptions): Promise<StepResult>;
  /** `steps` ADMM local steps θ ← θ − α(g + dual + ρ(θ − anchor)) */
  admmStep(params: Float32Array, o: AdmmOptions): Promise<StepResult>;
  /** `steps` proximal steps θ ← soft(θ − αg, α·l1) */
  proxStep(params: Float32Array, o: ProxOptions): Promise<StepResult>;
  /** gradient of the mean loss on one seeded mini-batch or on all rows */
  gradient(params: Float32Array, o: GradientOptions): Promise<GradientResult>;
  /**
   * One step of the `kind` graph (default `sgd`; `admm`, `prox`) on exactly the rows of
   * `batch` (any batch.n ≥ 1), for callers with their own data pipeline. The batch is
   * checked against the model first (features, classes, labels, finite values).
   */
  stepOn(params: Float32Array, batch: Dataset, o: StepOnOptions): Promise<StepResult>;
  /** gradient of the mean loss over exactly the rows of `batch` (checked like `stepOn`) */
  gradientOn(params: Float32Array, batch: Dataset): Promise<GradientResult>;
  /** full pass in batches; accuracy is null for regression */
  evaluate(params: Float32Array, data?: Dataset): Promise<EvalResult>;
  close(): Promise<void>;
}
