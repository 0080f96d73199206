import type { GraphBuilder } from '../graph/builder.js';
import { product } from '../graph/shapes.js';
import { TrainError } from '../errors.js';

/**
 * Losses, each emitted with its analytic gradient as the autodiff seed. All are means
 * over the batch rows actually fed (the batch size is read from the tensor at run time,
 * so one graph serves every batch size).
 */
export type LossKind = 'mse' | 'softmax-ce' | 'bce-logits';

export interface LossOut {
  /** the scalar loss, shape [1] */
  readonly loss: string;
  /** ∂loss/∂pred */
  readonly seed: string;
}

/** 1/N for the batch dimension of `x`, in the graph's float type. */
function invBatch(b: GraphBuilder, x: string): string {
  const n = b.op1('Shape', [x], { start: 0, end: 1 });
  return b.op1('Reciprocal', [b.op1('Cast', [n], { to: b.floatType === 'float64' ? 11 : 1 })]);
}

function sumAll(b: GraphBuilder, x: string): string {
  return b.op1('ReduceSum', [x], { keepdims: 0 });
}

/**
 * `pred`: N×K model output; `target`: N×K (one-hot rows for softmax-ce; 0/1 for bce-logits).
 * - mse:        L = (1/(N·K)) Σ (p − t)²                       ∂L/∂p = 2(p − t)/(N·K)
 * - softmax-ce: L = −(1/N) Σ_n Σ_k t_nk log softmax(p_n)_k     ∂L/∂p = (softmax(p) − t)/N
 * - bce-logits: L = (1/N) Σ max(p,0) − p·t + log(1 + e^{−|p|}) ∂L/∂p = (σ(p) − t)/N
 * (the stable forms: log-softmax and softplus(−|p|) never overflow)
 */
export function emitLoss(b: GraphBuilder, kind: LossKind, pred: string, target: string): LossOut {
  const invN = invBatch(b, pred);
  switch (kind) {
    case 'mse': {
      const s = b.requireShape(pred, 'the MSE loss');
      const k = product(s.slice(1));
      if (typeof k !== 'number') throw new TrainError('TRAIN_SHAPE', 'MSE needs a fixed number of outputs per row', 'fix the output width');
      const scale = b.op1('Mul', [invN, b.constF(1 / k)]);
      const d = b.op1('Sub', [pred, target]);
      const loss = b.op1('Mul', [sumAll(b, b.op1('Mul', [d, d])), scale]);
      const seed = b.op1('Mul', [d, b.op1('Mul', [scale, b.constF(2)])]);
      return { loss, seed };
    }
    case 'softmax-ce': {
      const logp = b.op1('LogSoftmax', [pred], { axis: -1 });
      const nll = b.op1('Neg', [sumAll(b, b.op1('Mul', [target, logp]))]);
      const loss = b.op1('Mul', [nll, invN]);
      const seed = b.op1('Mul', [b.op1('Sub', [b.op1('Exp', [logp]), target]), invN]);
      return { loss, seed };
    }
    case 'bce-logits': {
      // log(1 + e^{−|p|}) spelled out: ONNX Runtime has no float64 Softplus kernel
      const softplus = b.op1('Log', [b.op1('Add', [b.constF(1), b.op1('Exp', [b.op1('Neg', [b.op1('Abs', [pred])])])])]);
      const terms = b.op1('Add', [b.op1('Sub', [b.op1('Relu', [pred]), b.op1('Mul', [pred, target])]), softplus]);
      const loss = b.op1('Mul', [sumAll(b, terms), invN]);
      const seed = b.op1('Mul', [b.op1('Sub', [b.op1('Sigmoid', [pred]), target]), invN]);
      return { loss, seed };
    }
  }
}
