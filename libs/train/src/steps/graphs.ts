import { backward } from '../autodiff/backward.js';
import { DEFAULT_OPSET, GraphBuilder } from '../graph/builder.js';
import { emitLoss } from '../losses/index.js';
import type { ModelDef } from '../models/types.js';
import { layoutDim, makeLayout, type ParamLayout } from '../params/layout.js';

/**
 * The graphs a trainer runs; each is ONE session.run.
 * - forward: loss and predictions (evaluation)
 * - grad:    loss and the flat gradient g = ∇f(θ; batch)
 * - sgd:     θ ← θ − α·g
 * - admm:    θ ← θ − α·(g + λ + ρ(θ − anchor))       (local-SADMM worker step)
 * - prox:    θ ← soft(θ − α·g, α·μ)                   (MALCOM-PSGD steps 1–2, prox-SGD)
 */
export type StepKind = 'forward' | 'grad' | 'sgd' | 'admm' | 'prox';

/** Fixed tensor names of the step graphs' inputs and outputs. */
export const IO = {
  params: 'params', x: 'x', target: 'target', lr: 'lr', rho: 'rho', anchor: 'anchor', dual: 'dual', l1: 'l1',
  paramsOut: 'params_out', grad: 'grad', loss: 'loss', pred: 'pred',
} as const;

export interface StepGraph {
  readonly kind: StepKind;
  readonly bytes: Uint8Array;
  readonly layout: ParamLayout;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export interface StepGraphOptions {
  readonly floatType?: 'float32' | 'float64';
  /**
   * 'flat' (default): one `params` input sliced inside the graph, one `params_out` output.
   * 'split': one input `p:<name>` per parameter and one output `u:<name>` per updated
   * parameter (sgd only) — the alternative the benchmark measures against.
   */
  readonly paramIO?: 'flat' | 'split';
}

export function buildStepGraph(model: ModelDef, features: number, kind: StepKind, opts: StepGraphOptions | 'float32' | 'float64' = {}): StepGraph {
  const o: StepGraphOptions = typeof opts === 'string' ? { floatType: opts } : opts;
  const floatType = o.floatType ?? 'float32';
  if (o.paramIO === 'split') return buildSplitSgd(model, features, kind, floatType);
  const layout = makeLayout(model.params);
  const dim = layoutDim(layout);
  const b = new GraphBuilder(`${model.name}-${kind}`, floatType, Math.max(DEFAULT_OPSET, model.opset ?? 0));
  const theta = b.input(IO.params, [dim]);
  const x = b.input(IO.x, ['N', features]);
  const target = b.input(IO.target, ['N', model.outputs]);

  // the flat vector → one tensor per parameter (Slice + Reshape; see docs/training.md)
  const tensors = new Map<string, string>();
  const axis0 = b.constI64([0]);
  for (const e of layout) {
    const piece = b.op1('Slice', [theta, b.constI64([e.offset]), b.constI64([e.offset + e.size]), axis0]);
    tensors.set(e.name, b.op1('Reshape', [piece, b.constI64(e.shape)]));
  }
  const pred = model.forward(b, x, tensors);
  const { loss, seed } = emitLoss(b, model.loss, pred, target);
  b.op('Identity', [loss], {}, [IO.loss]);

  if (kind === 'forward') {
    b.op('Identity', [pred], {}, [IO.pred]);
    b.output(IO.loss);
    b.output(IO.pred);
    return done(b, kind, layout);
  }

  const grads = backward(b, new Map([[pred, seed]]), [...tensors.values()]);
  const flat = b.constI64([-1]);
  const pieces = layout.map((e) => b.op1('Reshape', [grads.get(tensors.get(e.name)!)!, flat]));
  const g = pieces.length === 1 ? b.op1('Identity', [pieces[0]!]) : b.op1('Concat', pieces, { axis: 0 });

  if (kind === 'grad') {
    b.op('Identity', [g], {}, [IO.grad]);
    b.output(IO.grad);
    b.output(IO.loss);
    return done(b, kind, layout);
  }
  const lr = b.input(IO.lr, [1]);
  let direction = g;
  if (kind === 'admm') {
    // local-SADMM (paper 001, local-SADMM): g + λ_n + ρ(θ − Θ)
    const rho = b.input(IO.rho, [1]);
    const anchor = b.input(IO.anchor, [dim]);
    const dual = b.input(IO.dual, [dim]);
    direction = b.op1('Add', [b.op1('Add', [g, dual]), b.op1('Mul', [rho, b.op1('Sub', [theta, anchor])])]);
  }
  const stepped = b.op1('Sub', [theta, b.op1('Mul', [lr, direction])]);
  if (kind === 'prox') {
    // soft(z, t) = sign(z)·max(|z| − t, 0) = z − clip(z, −t, t), t = α·μ (MALCOM-PSGD
    // step 2); the Clip form avoids ONNX Runtime's slow scalar Sign kernel
    const l1 = b.input(IO.l1, [1]);
    const t = b.op1('Reshape', [b.op1('Mul', [lr, l1]), b.constI64([])]);
    b.op('Sub', [stepped, b.op1('Clip', [stepped, b.op1('Neg', [t]), t])], {}, [IO.paramsOut]);
  } else {
    b.op('Identity', [stepped], {}, [IO.paramsOut]);
  }
  b.output(IO.paramsOut);
  b.output(IO.loss);
  return done(b, kind, layout);
}

/** The 'split' variant of the SGD graph: per-parameter inputs and outputs, no slicing. */
function buildSplitSgd(model: ModelDef, features: number, kind: StepKind, floatType: 'float32' | 'float64'): StepGraph {
  if (kind !== 'sgd') throw new Error(`split parameter I/O is only built for sgd, not ${kind}`);
  const layout = makeLayout(model.params);
  const b = new GraphBuilder(`${model.name}-${kind}-split`, floatType, Math.max(DEFAULT_OPSET, model.opset ?? 0));
  const tensors = new Map(layout.map((e) => [e.name, b.input(`p:${e.name}`, e.shape)]));
  const x = b.input(IO.x, ['N', features]);
  const target = b.input(IO.target, ['N', model.outputs]);
  const pred = model.forward(b, x, tensors);
  const { loss, seed } = emitLoss(b, model.loss, pred, target);
  b.op('Identity', [loss], {}, [IO.loss]);
  const grads = backward(b, new Map([[pred, seed]]), [...tensors.values()]);
  const lr = b.input(IO.lr, [1]);
  for (const e of layout) {
    const t = tensors.get(e.name)!;
    b.op('Sub', [t, b.op1('Mul', [lr, grads.get(t)!])], {}, [`u:${e.name}`]);
    b.output(`u:${e.name}`);
  }
  b.output(IO.loss);
  return done(b, kind, layout);
}

function done(b: GraphBuilder, kind: StepKind, layout: ParamLayout): StepGraph {
  return { kind, bytes: b.toBytes(), layout, inputNames: b.inputs.map((i) => i.name), outputNames: b.outputs.map((o) => o.name) };
}
