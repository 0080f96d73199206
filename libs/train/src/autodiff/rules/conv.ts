import { TrainError } from '../../errors.js';
import { intAttr, intsAttr } from '../../graph/shapes.js';
import type { Attrs, Dim, NodeDef } from '../../graph/types.js';
import type { GraphBuilder } from '../../graph/builder.js';
import { reduceSum } from '../helpers.js';
import type { GradRule } from '../types.js';

/** Explicit window geometry of a 2-D Conv/pool node, refusing what the rules do not cover. */
export interface Window2d {
  readonly kernel: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  /** [top, left, bottom, right] */
  readonly pads: [number, number, number, number];
  readonly inHW: [number, number];
  readonly outHW: [number, number];
}

export function window2d(b: GraphBuilder, node: NodeDef, kernel: readonly number[] | undefined): Window2d {
  const why = `the gradient of ${node.op} (${node.name})`;
  const xs = b.requireShape(node.inputs[0]!, why);
  const a: Attrs = node.attrs;
  const refuse = (what: string, hint: string): never => {
    throw new TrainError('TRAIN_UNSUPPORTED', `${node.op} node "${node.name}": ${what} is not differentiated`, hint);
  };
  if (xs.length !== 4) refuse(`a ${xs.length - 2}-D window`, 'use 2-D convolutions/pooling on N×C×H×W inputs');
  const autoPad = typeof a.auto_pad === 'string' ? a.auto_pad : 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') refuse(`auto_pad=${autoPad}`, 'export with explicit pads (PyTorch does by default)');
  const num = (d: Dim | undefined): number => (typeof d === 'number' ? d : refuse('a symbolic spatial size', 'give the model a fixed image size'));
  const s = intsAttr(a, 'strides') ?? [1, 1];
  const d = intsAttr(a, 'dilations') ?? [1, 1];
  const p = autoPad === 'VALID' ? [0, 0, 0, 0] : (intsAttr(a, 'pads') ?? [0, 0, 0, 0]);
  // a damaged or hand-written file: every index below must exist and be a sane integer
  const ints = (v: readonly number[], n: number, min: number): boolean => v.length === n && v.every((x) => Number.isInteger(x) && x >= min);
  if (!kernel || !ints(kernel, 2, 1) || !ints(s, 2, 1) || !ints(d, 2, 1) || !ints(p, 4, 0)) {
    throw new TrainError('TRAIN_MODEL_FILE',
      `${node.op} node "${node.name}" has a malformed window: kernel [${kernel?.join(', ') ?? ''}], strides [${s.join(', ')}], dilations [${d.join(', ')}], pads [${p.join(', ')}]`,
      're-export the model: a 2-D window has 2 kernel sizes, strides and dilations ≥ 1, and 4 pads ≥ 0');
  }
  const ys = b.requireShape(node.outputs[0]!, why);
  return {
    kernel: [kernel[0]!, kernel[1]!],
    strides: [s[0]!, s[1]!],
    dilations: [d[0]!, d[1]!],
    pads: [p[0]!, p[1]!, p[2]!, p[3]!],
    inHW: [num(xs[2]), num(xs[3])],
    outHW: [num(ys[2]), num(ys[3])],
  };
}

/**
 * output_padding that makes ConvTranspose (the adjoint of a strided Conv) reproduce the
 * forward input size exactly: rows the forward window never reached get zero gradient.
 */
export function outputPadding(w: Window2d): [number, number] {
  const op = [0, 1].map((i) => {
    const natural = w.strides[i]! * (w.outHW[i]! - 1) + (w.kernel[i]! - 1) * w.dilations[i]! + 1 - w.pads[i]! - w.pads[i + 2]!;
    return w.inHW[i]! - natural;
  });
  return [op[0]!, op[1]!];
}

/**
 * 2-D Conv, group 1. For Y = X ⋆ W + b:
 * ∂X = ConvTranspose(g, W) with the same strides/pads/dilations (the adjoint of Conv);
 * ∂W[m,c,i,j] = Σ_{n,oh,ow} g[n,m,oh,ow]·X[n,c,oh·s+i·d,…] — an explicit im2col (one strided
 * Slice per kernel offset) and one MatMul, see `weightGrad`;
 * ∂b = Σ_{n,h,w} g (summed along the contiguous rows of g laid out M × N·P).
 */
export const convRules: Record<string, GradRule> = {
  Conv: (ctx) => {
    const { b, node } = ctx;
    const g = ctx.dy[0]!;
    const [X, W, B] = node.inputs as [string, string, string | undefined];
    const ws = b.requireShape(W, `the gradient of Conv (${node.name})`);
    if (intAttr(node.attrs, 'group', 1) !== 1) {
      throw new TrainError('TRAIN_UNSUPPORTED', `Conv node "${node.name}" has group=${intAttr(node.attrs, 'group', 1)}; only group=1 is differentiated`,
        'replace grouped/depthwise convolutions with ordinary ones, or freeze that layer and everything before it');
    }
    const w = window2d(b, node, ws.slice(2) as number[]);
    let dX: string | undefined;
    if (ctx.needs(0)) {
      // (a Conv with the flipped kernel is equivalent at stride 1 but measured 1.8× slower:
      // ONNX Runtime only prepacks constant Conv weights, and this kernel is computed)
      dX = b.op1('ConvTranspose', [g, W], {
        strides: w.strides, dilations: w.dilations, pads: w.pads, output_padding: outputPadding(w),
      });
      b.setShape(dX, b.shapeOf(X));
    }
    // g as M × (N·P): the weight GEMM's left operand, and a contiguous layout for ∂b
    const m = ws[0] as number;
    const gm = ctx.needs(1) || (B && ctx.needs(2)) ? b.op1('Reshape', [b.op1('Transpose', [g], { perm: [1, 0, 2, 3] }), b.constI64([m, -1])]) : '';
    let dW: string | undefined;
    if (ctx.needs(1)) {
      dW = weightGrad(b, X, gm, w, ws as readonly number[]);
      b.setShape(dW, ws);
    }
    const dB = B && ctx.needs(2) ? reduceSum(b, gm, [1], 0) : undefined;
    return [dX, dW, dB];
  },
};

/**
 * ∂W as a two-stage im2col + kh GEMMs. X is padded and turned to C×N×H×W once; kw
 * strided Slices along W, stacked on the leading axis, give T [kw·C, N, Hp, OW]; for each
 * kernel row ki one strided Slice of T along H is the im2col block [kw·C, N·P] of that
 * row, and ∂W[:, :, ki, :] = g_{M×N·P} · blockᵀ. Blocks feed their GEMM directly, so the
 * full kh·kw·C × N·P matrix is never concatenated (≈ 35 instead of 50 copies of X).
 * (The textbook alternative — a Conv of Xᵀ with gᵀ as a huge kernel — measured 3–5×
 * slower in ONNX Runtime's CPU kernels; see docs/training.md.)
 */
function weightGrad(b: GraphBuilder, X: string, gm: string, w: Window2d, ws: readonly number[]): string {
  const [m, c, kh, kw] = ws as [number, number, number, number];
  const [pt, pl, pb, pr] = w.pads;
  let xp = b.op1('Transpose', [X], { perm: [1, 0, 2, 3] });
  if (pt || pl || pb || pr) xp = b.op1('Pad', [xp, b.constI64([0, 0, pt, pl, 0, 0, pb, pr])], { mode: 'constant' });
  const [oh, ow] = w.outHW;
  const [sh, sw] = w.strides;
  const [dh, dw] = w.dilations;
  const cols: string[] = [];
  for (let j = 0; j < kw; j++) {
    cols.push(b.op1('Slice', [xp, b.constI64([j * dw]), b.constI64([j * dw + sw * (ow - 1) + 1]), b.constI64([3]), b.constI64([sw])]));
  }
  const t = cols.length === 1 ? cols[0]! : b.op1('Concat', cols, { axis: 0 });
  const flat = b.constI64([kw * c, -1]);
  const rows: string[] = [];
  for (let i = 0; i < kh; i++) {
    const block = b.op1('Slice', [t, b.constI64([i * dh]), b.constI64([i * dh + sh * (oh - 1) + 1]), b.constI64([2]), b.constI64([sh])]);
    rows.push(b.op1('Gemm', [gm, b.op1('Reshape', [block, flat])], { transB: 1 })); // [M, kw·C]
  }
  const dwk = rows.length === 1 ? rows[0]! : b.op1('Concat', rows, { axis: 1 }); // [M, kh·kw·C]
  const mck = b.op1('Transpose', [b.op1('Reshape', [dwk, b.constI64([m, kh * kw, c])])], { perm: [0, 2, 1] });
  return b.op1('Reshape', [mck, b.constI64([m, c, kh, kw])]);
}
