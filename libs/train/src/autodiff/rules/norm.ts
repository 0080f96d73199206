import { TrainError } from '../../errors.js';
import { floatAttr, intAttr } from '../../graph/shapes.js';
import { reduceSum } from '../helpers.js';
import type { GradRule } from '../types.js';

/**
 * BatchNormalization with its running statistics (inference form, the way PyTorch
 * exports a model in eval mode): Y = γ·(X − μ)/√(σ² + ε) + β is affine in X, so
 * ∂X = g·γ/√(σ²+ε), ∂γ = Σ g·x̂, ∂β = Σ g. μ and σ² are frozen statistics (no gradient).
 * Training-mode batch statistics are refused (see docs/bring-your-own-model.md).
 */
export const normRules: Record<string, GradRule> = {
  BatchNormalization: (ctx) => {
    const { b, node } = ctx;
    if (intAttr(node.attrs, 'training_mode', 0) === 1 || node.outputs.filter((o) => o !== '').length > 1) {
      throw new TrainError('TRAIN_UNSUPPORTED', `BatchNormalization node "${node.name}" is in training mode`,
        'export the model in eval mode (model.eval() before torch.onnx.export); edgefl trains γ and β with the running statistics frozen');
    }
    if (ctx.needs(3) || ctx.needs(4)) {
      throw new TrainError('TRAIN_UNSUPPORTED', `BatchNormalization node "${node.name}": running mean/variance cannot be trained`,
        'leave them as initializers; the importer freezes them automatically');
    }
    const [X, scale, , mean, varr] = node.inputs as [string, string, string, string, string];
    const rank = b.requireShape(X, `the gradient of BatchNormalization (${node.name})`).length;
    const bshape = b.constI64([1, -1, ...new Array<number>(rank - 2).fill(1)]);
    const eps = floatAttr(node.attrs, 'epsilon', 1e-5);
    const inv = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [varr, b.constF(eps)])])]);
    const g = ctx.dy[0]!;
    const axes = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    const dX = ctx.needs(0) ? b.op1('Mul', [g, b.op1('Reshape', [b.op1('Mul', [scale, inv]), bshape])]) : undefined;
    let dScale: string | undefined;
    if (ctx.needs(1)) {
      const xhat = b.op1('Mul', [b.op1('Sub', [X, b.op1('Reshape', [mean, bshape])]), b.op1('Reshape', [inv, bshape])]);
      dScale = reduceSum(b, b.op1('Mul', [g, xhat]), axes, 0);
    }
    const dB = ctx.needs(2) ? reduceSum(b, g, axes, 0) : undefined;
    return [dX, dScale, dB, undefined, undefined];
  },
};
