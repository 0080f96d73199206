import { TrainError } from '../../errors.js';
import { floatAttr, intAttr } from '../../graph/shapes.js';
import { transposeLast2, unbroadcast } from '../helpers.js';
import type { GradRule } from '../types.js';

export const linearRules: Record<string, GradRule> = {
  /**
   * Y = α·op(A)·op(B) + β·C. With op(A) = A or Aᵀ and op(B) likewise, each case maps to
   * one Gemm with the right transposition flags (no explicit Transpose nodes):
   * ∂A = α·g·op(B)ᵀ (transposed back if transA), ∂B = α·op(A)ᵀ·g (transposed back if transB).
   */
  Gemm: (ctx) => {
    const { b, node } = ctx;
    const g = ctx.dy[0]!;
    const [A, B, C] = node.inputs as [string, string, string | undefined];
    const alpha = floatAttr(node.attrs, 'alpha', 1);
    const beta = floatAttr(node.attrs, 'beta', 1);
    const ta = intAttr(node.attrs, 'transA', 0);
    const tb = intAttr(node.attrs, 'transB', 0);
    const gemm = (x: string, y: string, transA: number, transB: number): string =>
      b.op1('Gemm', [x, y], { transA, transB, ...(alpha !== 1 ? { alpha: { kind: 'float', value: alpha } } : {}) });
    const dA = ctx.needs(0) ? (ta ? gemm(B, g, tb, 1) : gemm(g, B, 0, tb ? 0 : 1)) : undefined;
    const dB = ctx.needs(1) ? (tb ? gemm(g, A, 1, ta) : gemm(A, g, ta ? 0 : 1, 0)) : undefined;
    let dC: string | undefined;
    if (C && ctx.needs(2)) {
      const outShape = b.requireShape(node.outputs[0]!, `the gradient of Gemm (${node.name})`);
      const gc = beta === 1 ? g : b.op1('Mul', [g, b.constF(beta)]);
      dC = unbroadcast(b, gc, outShape, C, `the gradient of Gemm (${node.name})`);
    }
    return [dA, dB, dC];
  },
  /** Y = A·B (batched, broadcast): ∂A = g·Bᵀ, ∂B = Aᵀ·g, each summed over broadcast batch axes. */
  MatMul: (ctx) => {
    const { b, node } = ctx;
    const g = ctx.dy[0]!;
    const [A, B] = node.inputs as [string, string];
    const why = `the gradient of MatMul (${node.name})`;
    const sa = b.requireShape(A, why);
    const sb = b.requireShape(B, why);
    const so = b.requireShape(node.outputs[0]!, why);
    if (sa.length < 2 || sb.length < 2) {
      throw new TrainError('TRAIN_UNSUPPORTED', `MatMul node "${node.name}" has a 1-D operand; only matrices (rank ≥ 2) are differentiated`,
        'use a 2-D weight (e.g. PyTorch nn.Linear) or Gemm');
    }
    const dA = ctx.needs(0) ? unbroadcast(b, b.op1('MatMul', [g, transposeLast2(b, B, sb.length)]), so, A, why) : undefined;
    const dB = ctx.needs(1) ? unbroadcast(b, b.op1('MatMul', [transposeLast2(b, A, sa.length), g]), so, B, why) : undefined;
    return [dA, dB];
  },
};
