export { TrainError } from './errors.js';
export { createTrainer } from './trainer/create.js';
export type { Trainer, TrainerOptions } from './trainer/types.js';
export type {
  SgdOptions, AdmmOptions, ProxOptions, GradientOptions, StepResult, GradientResult, EvalResult,
  StepOnOptions, SgdOnOptions, AdmmOnOptions, ProxOnOptions,
} from './trainer/engine.js';
export type { ModelSpec, Activation, ModelDef, Task } from './models/types.js';
export { resolveModel } from './models/index.js';
export type { ParamLayout, ParamEntry, ParamDef, InitRule } from './params/layout.js';
export { makeLayout, layoutDim, initParams } from './params/layout.js';
export { sessionOptions } from './trainer/session.js';
export { sharedSessionCount } from './trainer/shared-sessions.js';
export { buildStepGraph, IO, type StepKind, type StepGraph } from './steps/graphs.js';
export { GraphBuilder, DEFAULT_OPSET } from './graph/builder.js';
export { f, fs } from './graph/types.js';
export type { Dim, Shape, ElemType, Attrs, AttrValue, ConstTensor, NodeDef } from './graph/types.js';
export { backward } from './autodiff/backward.js';
export { supportedOps } from './autodiff/registry.js';
export type { GradRule, GradContext } from './autodiff/types.js';
export { emitLoss, type LossKind, type LossOut } from './losses/index.js';
export { exampleModelPath } from './models/example.js';
export { MAX_MODEL_BYTES } from './models/onnx-import.js';
export { benchTrain, TRAIN_BENCH_REFERENCE, type BenchRow, type TrainBenchOptions } from './bench/train-bench.js';
export { MlpReference } from './bench/mlp-reference.js';
export { LenetReference } from './bench/lenet-reference.js';
export { setTrainerThreads, trainerThreads } from './trainer/worker-host.js';
