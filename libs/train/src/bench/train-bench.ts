import * as ort from 'onnxruntime-node';
import { Rng, type BenchRow } from '@edgefl/core';
import { lenetModel } from '../models/lenet.js';
import { mlpModel } from '../models/dense.js';
import type { ModelDef } from '../models/types.js';
import { initParams, layoutDim, makeLayout } from '../params/layout.js';
import { buildStepGraph, IO } from '../steps/graphs.js';
import { createSession } from '../trainer/session.js';
import { LenetReference } from './lenet-reference.js';
import { MlpReference } from './mlp-reference.js';

export type { BenchRow };

export interface TrainBenchOptions {
  readonly batches?: readonly number[];
  /** minimum wall time per measurement (ms) */
  readonly minMs?: number;
  readonly threads?: number;
  /** include the plain-TypeScript references (slow at large batches) */
  readonly jsReference?: boolean;
}

/** What `ratioToReference` compares against, for the bench record's `reference`. */
export const TRAIN_BENCH_REFERENCE = {
  name: 'forward-only run of the same model and batch, same session options, same run',
  unit: 'ms',
} as const;

type Fn = () => Promise<unknown> | unknown;

/**
 * Min over blocks of the mean time per call (ms) for each function. Blocks of the
 * functions alternate, so a ratio between them sees the same machine load (the boards
 * and CI hosts this runs on are shared).
 */
async function timeInterleaved(fns: readonly Fn[], minMs: number): Promise<number[]> {
  const reps: number[] = [];
  for (const fn of fns) {
    for (let i = 0; i < 3; i++) await fn();
    let r = 1;
    for (;;) {
      const t = performance.now();
      for (let i = 0; i < r; i++) await fn();
      if (performance.now() - t > 10 || r > 4096) break;
      r *= 2;
    }
    reps.push(r);
  }
  const best = fns.map(() => Infinity);
  const t0 = performance.now();
  for (let block = 0; block < 5 || performance.now() - t0 < minMs * fns.length; block++) {
    for (let k = 0; k < fns.length; k++) {
      const t = performance.now();
      for (let i = 0; i < reps[k]!; i++) await fns[k]!();
      best[k] = Math.min(best[k]!, (performance.now() - t) / reps[k]!);
    }
  }
  return best;
}

async function benchModel(model: ModelDef, features: number, batch: number, o: Required<TrainBenchOptions>, rows: BenchRow[]): Promise<void> {
  const layout = makeLayout(model.params);
  const dim = layoutDim(layout);
  const rng = new Rng(batch);
  const x = Float32Array.from({ length: batch * features }, () => rng.normal());
  const onehot = new Float32Array(batch * model.outputs);
  for (let r = 0; r < batch; r++) onehot[r * model.outputs + rng.int(model.outputs)] = 1;
  const theta0 = initParams(model.params, layout, 1);
  const step = await createSession(buildStepGraph(model, features, 'sgd').bytes, o.threads);
  const fwd = await createSession(buildStepGraph(model, features, 'forward').bytes, o.threads);
  const feeds = {
    [IO.x]: new ort.Tensor('float32', x, [batch, features]),
    [IO.target]: new ort.Tensor('float32', onehot, [batch, model.outputs]),
  };
  const lr = new ort.Tensor('float32', Float32Array.of(1e-3), [1]);
  let theta = theta0;
  const runStep = async (): Promise<void> => {
    const r = await step.run({ [IO.params]: new ort.Tensor('float32', theta, [dim]), ...feeds, [IO.lr]: lr });
    theta = r[IO.paramsOut]!.data as Float32Array;
  };
  const runForward = (): Promise<unknown> => fwd.run({ [IO.params]: new ort.Tensor('float32', theta0, [dim]), ...feeds });
  // the alternative parameter I/O: split the flat vector in JS (subarray views, no copy)
  // and reassemble the updated pieces, instead of Slice/Concat inside the graph
  const split = await createSession(buildStepGraph(model, features, 'sgd', { paramIO: 'split' }).bytes, o.threads);
  let flat = theta0.slice();
  const runSplit = async (): Promise<void> => {
    const pf: Record<string, ort.Tensor> = {};
    for (const e of layout) pf[`p:${e.name}`] = new ort.Tensor('float32', flat.subarray(e.offset, e.offset + e.size), e.shape);
    const r = await split.run({ ...pf, ...feeds, [IO.lr]: lr });
    const next = new Float32Array(dim);
    for (const e of layout) next.set(r[`u:${e.name}`]!.data as Float32Array, e.offset);
    flat = next;
  };
  const fns: Fn[] = [runStep, runForward, runSplit];
  if (o.jsReference) {
    const ref = model.name.startsWith('mlp')
      ? new MlpReference(model.name.slice(4).split('-').map(Number), batch)
      : new LenetReference(layout, 1, Math.round(Math.sqrt(features)), batch);
    const t = theta0.slice();
    fns.push(() => ref.step(t, x, onehot, 1e-3));
  }
  const [stepMs, fwdMs, splitMs, jsRef] = await timeInterleaved(fns, o.minMs) as [number, number, number, number | undefined];
  const jsMs = jsRef ?? null;
  await split.release();
  await step.release();
  await fwd.release();
  rows.push({
    name: `${model.name} sgd step b=${batch}`,
    value: stepMs,
    unit: 'ms/step',
    ratioToReference: stepMs / fwdMs,
    model: model.name,
    batch,
    params: dim,
    forwardMs: fwdMs,
    stepToForward: stepMs / fwdMs,
    splitParamsMs: splitMs,
    jsLoopMs: jsMs,
    ortSpeedupOverJs: jsMs === null ? null : jsMs / stepMs,
    samplesPerSec: (batch * 1000) / stepMs,
  });
}

/**
 * Training-step benchmark (issue 4): the MLP 784-128-64-10 and the LeNet-style CNN on
 * 1×28×28 inputs at each batch size — ONNX Runtime time per fused SGD step (forward,
 * loss, backward, update in one run), the forward-only time of the same model in the
 * same run (`ratioToReference` = step / forward; ideal ≈ 3, target ≤ 4 at batch ≥ 32),
 * and the same step as plain TypeScript loops (MlpReference, LenetReference).
 */
export async function benchTrain(opts: TrainBenchOptions = {}): Promise<BenchRow[]> {
  const o: Required<TrainBenchOptions> = { batches: [1, 10, 32, 64], minMs: 300, threads: 1, jsReference: true, ...opts };
  const task = { features: 784, classes: 10 };
  const rows: BenchRow[] = [];
  for (const model of [mlpModel(task, [128, 64]), lenetModel(task)]) {
    for (const b of o.batches) await benchModel(model, task.features, b, o, rows);
  }
  return rows;
}
