import { floatAttr, intAttr } from '../../graph/shapes.js';
import { reduceSum } from '../helpers.js';
import type { GradRule } from '../types.js';

/** Normalised softmax axis (opset ≥ 13 default −1). */
function axisOf(ctx: Parameters<GradRule>[0]): number {
  const axis = intAttr(ctx.node.attrs, 'axis', -1);
  const s = ctx.b.shapeOf(ctx.node.inputs[0]!);
  return axis < 0 && s ? axis + s.length : axis;
}

export const activationRules: Record<string, GradRule> = {
  // relu' = 1[y > 0]. (g·Sign(y) is one op fewer but ONNX Runtime's Sign kernel is
  // scalar code: 4× slower than Greater + Where on a LeNet activation, measured.)
  Relu: ({ b, node, dy }) => [b.op1('Where', [b.op1('Greater', [node.outputs[0]!, b.constF(0)]), dy[0]!, b.constF(0)])],
  // leaky' = 1 for x > 0, α otherwise
  LeakyRelu: ({ b, node, dy }) => {
    const alpha = floatAttr(node.attrs, 'alpha', 0.01);
    const pos = b.op1('Greater', [node.inputs[0]!, b.constF(0)]);
    return [b.op1('Where', [pos, dy[0]!, b.op1('Mul', [dy[0]!, b.constF(alpha)])])];
  },
  // σ' = y(1 − y)
  Sigmoid: ({ b, node, dy }) => {
    const y = node.outputs[0]!;
    return [b.op1('Mul', [dy[0]!, b.op1('Mul', [y, b.op1('Sub', [b.constF(1), y])])])];
  },
  // tanh' = 1 − y²
  Tanh: ({ b, node, dy }) => {
    const y = node.outputs[0]!;
    return [b.op1('Mul', [dy[0]!, b.op1('Sub', [b.constF(1), b.op1('Mul', [y, y])])])];
  },
  // softmax: dx = y ⊙ (g − Σ_axis g ⊙ y)
  Softmax: (ctx) => {
    const { b, node, dy } = ctx;
    const y = node.outputs[0]!;
    const s = reduceSum(b, b.op1('Mul', [dy[0]!, y]), [axisOf(ctx)], 1);
    return [b.op1('Mul', [y, b.op1('Sub', [dy[0]!, s])])];
  },
  // log-softmax: dx = g − exp(y) ⊙ Σ_axis g
  LogSoftmax: (ctx) => {
    const { b, node, dy } = ctx;
    const s = reduceSum(b, dy[0]!, [axisOf(ctx)], 1);
    return [b.op1('Sub', [dy[0]!, b.op1('Mul', [b.op1('Exp', [node.outputs[0]!]), s])])];
  },
};
