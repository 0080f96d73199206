import type { GradRule } from '../types.js';
import { unbroadcast } from '../helpers.js';

/** Binary arithmetic with numpy broadcasting: each operand's gradient is summed back to its shape. */
function binary(local: (ctx: Parameters<GradRule>[0], i: number, g: string) => string): GradRule {
  return (ctx) => {
    const { b, node } = ctx;
    const g = ctx.dy[0]!;
    const outShape = b.requireShape(node.outputs[0]!, `the gradient of ${node.op} (${node.name})`);
    return node.inputs.map((x, i) => (ctx.needs(i) ? unbroadcast(b, local(ctx, i, g), outShape, x, `the gradient of ${node.op} (${node.name})`) : undefined));
  };
}

export const elementwiseRules: Record<string, GradRule> = {
  // d(a+b) = da + db
  Add: binary((_c, _i, g) => g),
  // d(a−b) = da − db
  Sub: binary(({ b }, i, g) => (i === 0 ? g : b.op1('Neg', [g]))),
  // d(a·b) = b·da + a·db
  Mul: binary(({ b, node }, i, g) => b.op1('Mul', [g, node.inputs[1 - i]!])),
  // d(a/b) = da/b − (a/b)·db/b
  Div: binary(({ b, node }, i, g) => {
    const q = b.op1('Div', [g, node.inputs[1]!]);
    return i === 0 ? q : b.op1('Neg', [b.op1('Mul', [q, node.outputs[0]!])]);
  }),
  Neg: (ctx) => [ctx.b.op1('Neg', [ctx.dy[0]!])],
  Identity: (ctx) => [ctx.dy[0]],
};
