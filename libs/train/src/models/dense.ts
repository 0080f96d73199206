import { TrainError } from '../errors.js';
import type { GraphBuilder } from '../graph/builder.js';
import type { LossKind } from '../losses/index.js';
import type { ParamDef } from '../params/layout.js';
import type { Activation, ModelDef, Task } from './types.js';

const ACT_OP: Record<Activation, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

/** Loss and output width for a task: softmax-CE over `classes` logits, MSE on one value. */
export function headFor(task: Task): { loss: LossKind; outputs: number } {
  return task.classes > 0 ? { loss: 'softmax-ce', outputs: task.classes } : { loss: 'mse', outputs: 1 };
}

/** Parameters of one fully connected layer, PyTorch layout (W: out×in). */
export function denseParams(name: string, fanIn: number, fanOut: number, he: boolean): ParamDef[] {
  return [
    { name: `${name}.weight`, shape: [fanOut, fanIn], init: he ? { kind: 'he', fanIn } : { kind: 'glorot', fanIn, fanOut } },
    { name: `${name}.bias`, shape: [fanOut], init: { kind: 'zeros' } },
  ];
}

/** y = x·Wᵀ + b as one Gemm (transB = 1 keeps W in out×in order). */
export function dense(b: GraphBuilder, x: string, p: ReadonlyMap<string, string>, name: string): string {
  return b.op1('Gemm', [x, p.get(`${name}.weight`)!, p.get(`${name}.bias`)!], { transB: 1 });
}

/** MLP: features → hidden… → head, activation after every hidden layer. */
export function mlpModel(task: Task, hidden: readonly number[], activation: Activation = 'relu'): ModelDef {
  if (hidden.some((h) => !Number.isInteger(h) || h <= 0)) {
    throw new TrainError('TRAIN_SPEC', `mlp hidden widths must be positive integers, got [${hidden.join(', ')}]`, 'e.g. model: { kind: mlp, hidden: [128, 64] }');
  }
  const head = headFor(task);
  const widths = [task.features, ...hidden, head.outputs];
  const params: ParamDef[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const last = l + 2 === widths.length;
    params.push(...denseParams(`fc${l + 1}`, widths[l]!, widths[l + 1]!, !last && activation === 'relu'));
  }
  return {
    name: `mlp-${widths.join('-')}`,
    params,
    ...head,
    forward(b, x, p) {
      let h = x;
      for (let l = 0; l + 1 < widths.length; l++) {
        h = dense(b, h, p, `fc${l + 1}`);
        if (l + 2 < widths.length) h = b.op1(ACT_OP[activation], [h]);
      }
      return h;
    },
  };
}

/** Linear regression (MSE) — or, on class labels, a linear softmax classifier. */
export function linearModel(task: Task): ModelDef {
  const head = headFor(task);
  return {
    name: 'linear',
    params: denseParams('fc', task.features, head.outputs, false).map((d) => (d.name.endsWith('weight') ? { ...d, init: { kind: 'zeros' } } : d)),
    ...head,
    forward: (b, x, p) => dense(b, x, p, 'fc'),
  };
}

/**
 * Logistic regression: binary (classes = 2) is one logit with BCE-with-logits,
 * multinomial is softmax cross-entropy over `classes` logits. Starts from zero weights
 * (the problem is convex; zero is the customary start).
 */
export function logisticModel(task: Task): ModelDef {
  if (task.classes < 2) {
    throw new TrainError('TRAIN_SPEC', `logistic regression needs class labels, but the dataset has classes=${task.classes}`,
      'use model kind "linear" for regression targets');
  }
  const outputs = task.classes === 2 ? 1 : task.classes;
  return {
    name: task.classes === 2 ? 'logistic-binary' : 'logistic-multinomial',
    params: denseParams('fc', task.features, outputs, false).map((d) => ({ ...d, init: { kind: 'zeros' } })),
    loss: task.classes === 2 ? 'bce-logits' : 'softmax-ce',
    outputs,
    forward: (b, x, p) => dense(b, x, p, 'fc'),
  };
}
