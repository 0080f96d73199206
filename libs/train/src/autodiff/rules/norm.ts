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
  /**
   * LayerNormalization (opset 17): per sample, x̂ = (X − μ)/√(σ² + ε) over the axes from
   * `axis` on, Y = γ·x̂ + β. With ĝ = g·γ and means over those axes:
   * ∂X = (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))/√(σ² + ε), ∂γ = Σ_{leading axes} g·x̂, ∂β = Σ g.
   * μ and σ² are recomputed (the forward's optional Mean/InvStdDev are stashed as float).
   */
  LayerNormalization: (ctx) => {
    const { b, node } = ctx;
    if (ctx.dy.slice(1).some((g) => g !== undefined)) {
      throw new TrainError('TRAIN_UNSUPPORTED', `LayerNormalization node "${node.name}": its Mean/InvStdDev outputs reach the loss`,
        'use only the normalized output Y');
    }
    const [X, scale, bias] = node.inputs as [string, string, string | undefined];
    const rank = b.requireShape(X, `the gradient of LayerNormalization (${node.name})`).length;
    const rawAxis = intAttr(node.attrs, 'axis', -1);
    const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
    const eps = floatAttr(node.attrs, 'epsilon', 1e-5);
    const norm = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const lead = Array.from({ length: axis }, (_, i) => i);
    const mean = (t: string): string => b.op1('ReduceMean', [t], { axes: norm, keepdims: 1 });
    const xc = b.op1('Sub', [X, mean(X)]);
    const inv = b.op1('Reciprocal', [b.op1('Sqrt', [b.op1('Add', [mean(b.op1('Mul', [xc, xc])), b.constF(eps)])])]);
    const xhat = b.op1('Mul', [xc, inv]);
    const g = ctx.dy[0]!;
    let dX: string | undefined;
    if (ctx.needs(0)) {
      const gh = b.op1('Mul', [g, scale]);
      const centred = b.op1('Sub', [b.op1('Sub', [gh, mean(gh)]), b.op1('Mul', [xhat, mean(b.op1('Mul', [gh, xhat]))])]);
      dX = b.op1('Mul', [centred, inv]);
    }
    const overLead = (t: string): string => (lead.length > 0 ? reduceSum(b, t, lead, 0) : t);
    const dScale = ctx.needs(1) ? overLead(b.op1('Mul', [g, xhat])) : undefined;
    const dB = bias !== undefined && bias !== '' && ctx.needs(2) ? overLead(g) : undefined;
    return [dX, dScale, dB];
  },
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
