import { TrainError } from '../../errors.js';
import { intAttr, intsAttr } from '../../graph/shapes.js';
import { reshapeLike } from '../helpers.js';
import type { GradRule } from '../types.js';

/** Rules for ops that only move values: the gradient moves back the same way. */
export const shapeRules: Record<string, GradRule> = {
  Reshape: ({ b, node, dy }) => [reshapeLike(b, dy[0]!, node.inputs[0]!), undefined],
  Flatten: ({ b, node, dy }) => [reshapeLike(b, dy[0]!, node.inputs[0]!)],
  // Dropout is the identity in edgefl's training graphs (no random mask inside ONNX
  // Runtime, which would not replay from the job seed): see docs/training.md.
  Dropout: ({ dy }) => [dy[0], undefined, undefined],
  Transpose: ({ b, node, dy }) => {
    const rank = b.requireShape(node.inputs[0]!, `the gradient of Transpose (${node.name})`).length;
    const perm = intsAttr(node.attrs, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => (inv[p] = i));
    return [b.op1('Transpose', [dy[0]!], { perm: inv })];
  },
  /** Concat: split the gradient back into the pieces (sizes along the axis must be static). */
  Concat: (ctx) => {
    const { b, node } = ctx;
    const why = `the gradient of Concat (${node.name})`;
    const shapes = node.inputs.map((x) => b.requireShape(x, why));
    let axis = intAttr(node.attrs, 'axis', 0);
    if (axis < 0) axis += shapes[0]!.length;
    const sizes = shapes.map((s) => s[axis]!);
    if (sizes.some((s) => typeof s !== 'number')) {
      throw new TrainError('TRAIN_SHAPE', `Concat node "${node.name}" joins along a symbolic axis`, 'concatenate along a feature axis, not the batch axis');
    }
    const parts = b.op('Split', [ctx.dy[0]!, b.constI64(sizes as number[])], { axis }, node.inputs.length);
    parts.forEach((p, i) => b.setShape(p, shapes[i]));
    return parts.map((p, i) => (ctx.needs(i) ? p : undefined));
  },
};
