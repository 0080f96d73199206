import { TrainError } from '../../errors.js';
import { intAttr, intsAttr } from '../../graph/shapes.js';
import { reshapeLike } from '../helpers.js';
import type { GradRule } from '../types.js';
import { outputPadding, window2d } from './conv.js';
import type { GraphBuilder } from '../../graph/builder.js';

export const poolRules: Record<string, GradRule> = {
  /**
   * MaxPool routes each output's gradient to the input that won. Non-overlapping windows
   * (kernel = stride, no pads/dilation, sizes divisible) use a mask: X == up(Y), with
   * the gradient shared equally among tied maxima (a valid subgradient) — cheaper than
   * asking ONNX Runtime for indices, whose MaxPool kernel is the slow generic one.
   * Other windows ask the forward node for its Indices output (flat positions in
   * N·C·H·W) and scatter the gradient there with ScatterElements(reduction='add'), so
   * overlapping windows accumulate correctly.
   */
  MaxPool: (ctx) => {
    const { b, node } = ctx;
    const X = node.inputs[0]!;
    const w = window2d(b, node, intsAttr(node.attrs, 'kernel_shape'));
    const tiled = w.kernel[0] === w.strides[0] && w.kernel[1] === w.strides[1] && w.pads.every((p) => p === 0)
      && w.dilations.every((d) => d === 1) && w.inHW[0] % w.kernel[0] === 0 && w.inHW[1] % w.kernel[1] === 0;
    if (tiled) return [maskedMaxGrad(b, X, node.outputs[0]!, ctx.dy[0]!, w.kernel, w.outHW)];
    // storage_order = 1 makes the indices column-major: scattered row-major they would
    // route every gradient to the wrong pixel
    if (intAttr(node.attrs, 'storage_order', 0) !== 0) {
      throw new TrainError('TRAIN_UNSUPPORTED', `MaxPool node "${node.name}" has storage_order=${intAttr(node.attrs, 'storage_order', 0)} and windows that do not tile its input`,
        'export with storage_order=0 (the default; PyTorch never sets it)');
    }
    const idx = b.ensureOutput(node, 1, 'int64', b.shapeOf(node.outputs[0]!));
    const flat = b.constI64([-1]);
    const flatX = b.op1('Reshape', [X, flat]);
    const zeros = b.op1('ConstantOfShape', [b.op1('Shape', [flatX])], {
      value: { kind: 'tensor', value: { type: b.floatType, dims: [1], data: b.floatType === 'float64' ? new Float64Array(1) : new Float32Array(1) } },
    });
    const scattered = b.op1('ScatterElements', [zeros, b.op1('Reshape', [idx, flat]), b.op1('Reshape', [ctx.dy[0]!, flat])], { axis: 0, reduction: 'add' });
    return [reshapeLike(b, scattered, X)];
  },
  /**
   * AveragePool's adjoint spreads each output gradient evenly over its window: a
   * depthwise ConvTranspose with a constant 1/(kh·kw) kernel.
   */
  AveragePool: (ctx) => {
    const { b, node } = ctx;
    const w = window2d(b, node, intsAttr(node.attrs, 'kernel_shape'));
    const kernel = w.kernel;
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
    const k = kernel[0] * kernel[1];
    const ker = b.constF(new Array<number>(c * k).fill(1 / k), [c, 1, kernel[0], kernel[1]]);
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

/**
 * dX = [X = up(Y)] · up(g / count of maxima per window), windows tiling X exactly.
 * up() is a nearest-neighbour Resize by the integer window size (ONNX Runtime's
 * broadcasting Expand is ~40× slower for this pattern, measured).
 */
function maskedMaxGrad(b: GraphBuilder, X: string, Y: string, g: string, k: readonly [number, number], out: readonly [number, number]): string {
  let up: (t: string) => string;
  if (b.floatType === 'float32') {
    const scales = b.constF([1, 1, k[0], k[1]]);
    up = (t) => b.op1('Resize', [t, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
  } else {
    // ONNX Runtime has no float64 Resize: float64 graphs (gradient checks) broadcast instead
    const blocks = b.constI64([0, 0, out[0], 1, out[1], 1]);
    const tile = b.constI64([1, 1, 1, k[0], 1, k[1]]);
    const xShape = b.op1('Shape', [X]);
    up = (t) => b.op1('Reshape', [b.op1('Expand', [b.op1('Reshape', [t, blocks]), tile]), xShape]);
  }
  const mask = b.op1('Cast', [b.op1('Equal', [X, up(Y)])], { to: b.floatType === 'float64' ? 11 : 1 });
  // maxima per window: a pooling sum (AveragePool·k, the fast float32 kernel), or a
  // ReduceSum over the window axes where no float64 AveragePool exists
  const count = b.floatType === 'float32'
    ? b.op1('Mul', [b.op1('AveragePool', [mask], { kernel_shape: [...k], strides: [...k] }), b.constF(k[0] * k[1])])
    : b.op1('ReduceSum', [b.op1('Reshape', [mask, b.constI64([0, 0, out[0], k[0], out[1], k[1]])]), b.constI64([3, 5])], { keepdims: 0 });
  return b.op1('Mul', [mask, up(b.op1('Div', [g, count]))]);
}
