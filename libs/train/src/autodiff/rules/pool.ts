import { TrainError } from '../../errors.js';
import { intAttr, intsAttr } from '../../graph/shapes.js';
import { reshapeLike } from '../helpers.js';
import type { GradRule } from '../types.js';
import { outputPadding, window2d } from './conv.js';

export const poolRules: Record<string, GradRule> = {
  /**
   * MaxPool routes each output's gradient to the input that won: the forward node is asked
   * for its Indices output (flat positions in N·C·H·W) and the gradient is scattered there
   * with ScatterElements(reduction='add'), so overlapping windows accumulate correctly.
   */
  MaxPool: (ctx) => {
    const { b, node } = ctx;
    const X = node.inputs[0]!;
    const xs = b.requireShape(X, `the gradient of MaxPool (${node.name})`);
    const idx = b.ensureOutput(node, 1, 'int64', b.shapeOf(node.outputs[0]!));
    const flat = b.constI64([-1]);
    const flatX = b.op1('Reshape', [X, flat]);
    const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [flatX])], {
      value: { kind: 'tensor', value: { type: b.floatType, dims: [1], data: b.floatType === 'float64' ? new Float64Array(1) : new Float32Array(1) } },
    });
    const scattered = b.op1('ScatterElements', [zeros, b.op1('Reshape', [idx, flat]), b.op1('Reshape', [ctx.dy[0]!, flat])], { axis: 0, reduction: 'add' });
    void xs;
    return [reshapeLike(b, scattered, X)];
  },
  /**
   * AveragePool's adjoint spreads each output gradient evenly over its window: a
   * depthwise ConvTranspose with a constant 1/(kh·kw) kernel.
   */
  AveragePool: (ctx) => {
    const { b, node } = ctx;
    const kernel = intsAttr(node.attrs, 'kernel_shape')!;
    const w = window2d(b, node, kernel);
    const padded = w.pads.some((p) => p !== 0);
    if (padded && intAttr(node.attrs, 'count_include_pad', 0) === 0) {
      throw new TrainError('TRAIN_UNSUPPORTED', `AveragePool node "${node.name}" excludes padding from its counts (count_include_pad=0 with pads)`,
        'use count_include_pad=1 or no padding (PyTorch: nn.AvgPool2d(..., count_include_pad=True))');
    }
    if (intAttr(node.attrs, 'ceil_mode', 0) === 1) {
      throw new TrainError('TRAIN_UNSUPPORTED', `AveragePool node "${node.name}" uses ceil_mode=1`, 'export with ceil_mode=False');
    }
    const c = b.requireShape(node.inputs[0]!, 'AveragePool gradient')[1];
    if (typeof c !== 'number') throw new TrainError('TRAIN_SHAPE', `AveragePool node "${node.name}" has a symbolic channel count`, 'fix the channel count');
    const k = kernel[0]! * kernel[1]!;
    const ker = b.constF(new Array<number>(c * k).fill(1 / k), [c, 1, kernel[0]!, kernel[1]!]);
    const dX = b.op1('ConvTranspose', [ctx.dy[0]!, ker], {
      group: c, strides: w.strides, dilations: w.dilations, pads: w.pads, output_padding: outputPadding(w),
    });
    b.setShape(dX, b.shapeOf(node.inputs[0]!));
    return [dX];
  },
  /** GlobalAveragePool: every input position gets g/(H·W). */
  GlobalAveragePool: ({ b, node, dy }) => {
    const X = node.inputs[0]!;
    const s = b.requireShape(X, `the gradient of GlobalAveragePool (${node.name})`);
    const hw = s.slice(2).reduce<number>((p, d) => p * (typeof d === 'number' ? d : NaN), 1);
    if (!Number.isFinite(hw)) throw new TrainError('TRAIN_SHAPE', `GlobalAveragePool node "${node.name}" has symbolic spatial size`, 'fix the image size');
    const e = b.op1('Expand', [dy[0]!, b.op1('Shape', [X])]);
    return [b.op1('Mul', [e, b.constF(1 / hw)])];
  },
};
