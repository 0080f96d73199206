import type { GraphBuilder } from '../graph/builder.js';
import type { Shape } from '../graph/types.js';

/** Σ over `axes` (ReduceSum with axes as an input, opset ≥ 13). */
export function reduceSum(b: GraphBuilder, x: string, axes: readonly number[], keepdims: 0 | 1): string {
  return b.op1('ReduceSum', [x, b.constI64(axes)], { keepdims });
}

/** Reshape `g` to the runtime shape of forward tensor `like`. */
export function reshapeLike(b: GraphBuilder, g: string, like: string): string {
  const out = b.op1('Reshape', [g, b.op1('Shape', [like])]);
  b.setShape(out, b.shapeOf(like));
  return out;
}

/**
 * Undo numpy broadcasting: a gradient of shape `outShape` flowing to an operand `x`
 * that was broadcast sums over the broadcast axes (leading ones and 1-sized ones).
 */
export function unbroadcast(b: GraphBuilder, g: string, outShape: Shape, x: string, why: string): string {
  const xs = b.requireShape(x, why);
  const lead = outShape.length - xs.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (xs[i - lead] === 1 && outShape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) return g;
  const r = reduceSum(b, g, axes, 1);
  if (lead > 0) return reshapeLike(b, r, x);
  b.setShape(r, xs);
  return r;
}

/** Swap the last two axes. */
export function transposeLast2(b: GraphBuilder, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return b.op1('Transpose', [x], { perm });
}
