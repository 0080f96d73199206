import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emitLoss, f, supportedOps, type GraphBuilder, type Attrs } from '@edgefl/train';
import { gradCheck, randn, spaced, type CheckInput } from './helpers/gradcheck.js';

type Build = (b: GraphBuilder) => { value: string; seed?: string; seedAt?: string };

async function check(name: string, floatType: 'float32' | 'float64', inputs: CheckInput[], build: Build): Promise<void> {
  const r = await gradCheck({ floatType, inputs, build });
  assert.ok(r.checked > 0, `${name}: nothing checked`);
  assert.deepEqual(r.failures, [], `${name}: ${r.failures.slice(0, 5).join('; ')}`);
}

const inp = (name: string, shape: number[], seed: number, wrt = true, scale = 1): CheckInput =>
  ({ name, shape, data: randn(shape.reduce((p, d) => p * d, 1), seed, scale), wrt });
const unary = (op: string, attrs: Attrs = {}): Build => (b) => ({ value: b.op1(op, ['x'], attrs) });
const binary = (op: string): Build => (b) => ({ value: b.op1(op, ['a', 'b']) });

const covered = new Set<string>();
function opTest(op: string, variant: string, floatType: 'float32' | 'float64', inputs: CheckInput[], build: Build): void {
  covered.add(op);
  test(`gradient of ${op} (${variant}, ${floatType}) matches central differences`, () => check(`${op} ${variant}`, floatType, inputs, build));
}

// — linear algebra
for (const [ta, tb] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
  opTest('Gemm', `transA=${ta} transB=${tb}, α=0.7, β=1.3, C broadcast [4]`, 'float64',
    [inp('a', ta ? [3, 2] : [2, 3], 1), inp('b', tb ? [4, 3] : [3, 4], 2), inp('c', [4], 3)],
    (b) => ({ value: b.op1('Gemm', ['a', 'b', 'c'], { transA: ta, transB: tb, alpha: f(0.7), beta: f(1.3) }) }));
}
opTest('Gemm', 'no C', 'float64', [inp('a', [2, 3], 1), inp('b', [3, 4], 2)], (b) => ({ value: b.op1('Gemm', ['a', 'b']) }));
opTest('Gemm', 'C [M,1] (column broadcast), β=0.5', 'float64', [inp('a', [2, 3], 1), inp('b', [3, 4], 2), inp('c', [2, 1], 3)],
  (b) => ({ value: b.op1('Gemm', ['a', 'b', 'c'], { beta: f(0.5) }) }));
opTest('Gemm', 'C scalar', 'float64', [inp('a', [2, 3], 1), inp('b', [3, 4], 2), inp('c', [], 3)], (b) => ({ value: b.op1('Gemm', ['a', 'b', 'c']) }));
opTest('MatMul', '2-D', 'float64', [inp('a', [2, 3], 1), inp('b', [3, 4], 2)], binary('MatMul'));
opTest('MatMul', 'batched 3-D × broadcast 2-D', 'float64', [inp('a', [2, 3, 4], 1), inp('b', [4, 5], 2)], binary('MatMul'));
opTest('MatMul', 'broadcast 2-D × batched 3-D', 'float64', [inp('a', [3, 4], 1), inp('b', [2, 4, 5], 2)], binary('MatMul'));
opTest('MatMul', 'batch 1 broadcast against batch 2, inner size 1', 'float64', [inp('a', [1, 3, 1], 1), inp('b', [2, 1, 5], 2)], binary('MatMul'));
// — element-wise with broadcasting
for (const op of ['Add', 'Sub', 'Mul']) {
  opTest(op, 'broadcast [2,3] with [3]', 'float64', [inp('a', [2, 3], 1), inp('b', [3], 2)], binary(op));
  opTest(op, 'broadcast [2,1] with [1,3]', 'float64', [inp('a', [2, 1], 3), inp('b', [1, 3], 4)], binary(op));
}
opTest('Mul', 'by a scalar tensor []', 'float64', [inp('a', [2, 3], 1), inp('b', [], 2)], binary('Mul'));
opTest('Sub', 'broadcast [3] − [2,3] (left operand broadcast)', 'float64', [inp('a', [3], 1), inp('b', [2, 3], 2)], binary('Sub'));
opTest('Div', 'broadcast [2,1] / [1,3]', 'float64',
  [inp('a', [2, 1], 1), { name: 'b', shape: [1, 3], data: Float64Array.from([1.5, -2, 0.8]) }], binary('Div'));
opTest('Div', 'broadcast [2,3] / [3]', 'float64',
  [inp('a', [2, 3], 1), { name: 'b', shape: [3], data: Float64Array.from([1.5, -2, 0.8]) }], binary('Div'));
opTest('Neg', 'plain', 'float64', [inp('x', [2, 3], 1)], unary('Neg'));
opTest('Identity', 'plain', 'float64', [inp('x', [2, 3], 1)], unary('Identity'));
// — activations
opTest('Relu', 'plain', 'float64', [{ name: 'x', shape: [3, 4], data: spaced(12, 1) }], unary('Relu'));
opTest('LeakyRelu', 'α=0.2', 'float64', [{ name: 'x', shape: [3, 4], data: spaced(12, 2) }], unary('LeakyRelu', { alpha: f(0.2) }));
opTest('Sigmoid', 'plain', 'float64', [inp('x', [3, 4], 1, true, 2)], unary('Sigmoid'));
opTest('Tanh', 'plain', 'float64', [inp('x', [3, 4], 1, true, 1.5)], unary('Tanh'));
opTest('Softmax', 'axis −1', 'float64', [inp('x', [3, 4], 1)], unary('Softmax', { axis: -1 }));
opTest('Softmax', 'axis 0', 'float64', [inp('x', [3, 4], 2)], unary('Softmax', { axis: 0 }));
opTest('LogSoftmax', 'axis 1', 'float64', [inp('x', [3, 4], 1)], unary('LogSoftmax', { axis: 1 }));
// — moving values
opTest('Reshape', '[2,6] → [3,4]', 'float64', [inp('x', [2, 6], 1)], (b) => ({ value: b.op1('Reshape', ['x', b.constI64([3, -1])]) }));
opTest('Flatten', 'axis 1 of [2,2,3]', 'float64', [inp('x', [2, 2, 3], 1)], unary('Flatten', { axis: 1 }));
opTest('Transpose', 'perm [2,0,1]', 'float64', [inp('x', [2, 3, 4], 1)], unary('Transpose', { perm: [2, 0, 1] }));
opTest('Concat', 'axis 1, three inputs', 'float64', [inp('a', [2, 2], 1), inp('b', [2, 3], 2), inp('c', [2, 1], 3)],
  (b) => ({ value: b.op1('Concat', ['a', 'b', 'c'], { axis: 1 }) }));
opTest('Dropout', 'identity in training graphs', 'float64', [inp('x', [2, 3], 1)], (b) => ({ value: b.op1('Dropout', ['x']) }));
// — convolution and pooling (ONNX Runtime has float32 kernels only)
opTest('Conv', 'stride 1, no pad, bias', 'float32', [inp('x', [2, 2, 5, 5], 1), inp('w', [3, 2, 3, 3], 2), inp('bias', [3], 3)],
  (b) => ({ value: b.op1('Conv', ['x', 'w', 'bias']) }));
opTest('Conv', 'stride 2 with remainder, pads 1/0/2/1', 'float32', [inp('x', [2, 2, 6, 7], 4), inp('w', [3, 2, 3, 2], 5)],
  (b) => ({ value: b.op1('Conv', ['x', 'w'], { strides: [2, 2], pads: [1, 0, 2, 1] }) }));
opTest('Conv', 'stride 1, asymmetric pads 1/0/2/1, 3×2 kernel', 'float32', [inp('x', [2, 2, 5, 6], 9), inp('w', [3, 2, 3, 2], 10), inp('bias', [3], 11)],
  (b) => ({ value: b.op1('Conv', ['x', 'w', 'bias'], { pads: [1, 0, 2, 1] }) }));
opTest('Conv', 'dilation 2, pad 2', 'float32', [inp('x', [1, 1, 7, 7], 6), inp('w', [2, 1, 3, 3], 7), inp('bias', [2], 8)],
  (b) => ({ value: b.op1('Conv', ['x', 'w', 'bias'], { dilations: [2, 2], pads: [2, 2, 2, 2] }) }));
opTest('MaxPool', '2×2 stride 2', 'float32', [{ name: 'x', shape: [2, 2, 4, 4], data: spaced(64, 3) }],
  unary('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }));
opTest('MaxPool', '3×3 stride 3 tiling 6×6 (mask path, Resize)', 'float32', [{ name: 'x', shape: [2, 1, 6, 6], data: spaced(72, 5) }],
  unary('MaxPool', { kernel_shape: [3, 3], strides: [3, 3] }));
opTest('MaxPool', '3×3 stride 3 tiling 6×6 (mask path, Expand)', 'float64', [{ name: 'x', shape: [2, 1, 6, 6], data: spaced(72, 5) }],
  unary('MaxPool', { kernel_shape: [3, 3], strides: [3, 3] }));
opTest('MaxPool', '2×2 stride 2 on 5×5 (indices path: windows do not tile)', 'float32', [{ name: 'x', shape: [1, 2, 5, 5], data: spaced(50, 6) }],
  unary('MaxPool', { kernel_shape: [2, 2], strides: [2, 2] }));
opTest('MaxPool', '3×3 stride 1 pad 1 (overlapping windows)', 'float64', [{ name: 'x', shape: [1, 2, 4, 5], data: spaced(40, 4) }],
  unary('MaxPool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }));
opTest('AveragePool', '2×2 stride 2', 'float32', [inp('x', [2, 2, 4, 4], 1)], unary('AveragePool', { kernel_shape: [2, 2], strides: [2, 2] }));
opTest('AveragePool', '3×3 stride 2 pad 1 counting pads', 'float32', [inp('x', [1, 2, 5, 6], 2)],
  unary('AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }));
opTest('GlobalAveragePool', 'plain', 'float32', [inp('x', [2, 3, 2, 3], 1)], unary('GlobalAveragePool'));
opTest('BatchNormalization', 'inference form (running statistics)', 'float64',
  [inp('x', [2, 3, 2, 2], 1), inp('scale', [3], 2), inp('bias', [3], 3),
    { name: 'mean', shape: [3], data: Float64Array.from([0.1, -0.2, 0.3]), wrt: false },
    { name: 'var', shape: [3], data: Float64Array.from([0.5, 1.5, 2]), wrt: false }],
  (b) => ({ value: b.op1('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], { epsilon: f(1e-3) }) }));
opTest('BatchNormalization', 'rank 2 (BatchNorm1d on N×C)', 'float64',
  [inp('x', [4, 3], 1), inp('scale', [3], 2), inp('bias', [3], 3),
    { name: 'mean', shape: [3], data: Float64Array.from([0.1, -0.2, 0.3]), wrt: false },
    { name: 'var', shape: [3], data: Float64Array.from([0.5, 1.5, 2]), wrt: false }],
  (b) => ({ value: b.op1('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var']) }));
opTest('LayerNormalization', 'axis 1 of [2,3,4], trainable scale and bias', 'float32',
  [inp('x', [2, 3, 4], 1, true, 2), inp('scale', [3, 4], 2), inp('bias', [3, 4], 3)],
  (b) => ({ value: b.op1('LayerNormalization', ['x', 'scale', 'bias'], { axis: 1, epsilon: f(1e-3) }) }));
opTest('LayerNormalization', 'axis −1 of [3,5], no bias', 'float32',
  [inp('x', [3, 5], 4, true, 3), inp('scale', [5], 5)],
  (b) => ({ value: b.op1('LayerNormalization', ['x', 'scale'], { axis: -1 }) }));
opTest('LayerNormalization', 'axis 1 of [2,2,3,3] (before a convolution), constant scale', 'float32',
  [inp('x', [2, 2, 3, 3], 6, true, 1.5), { name: 'scale', shape: [2, 3, 3], data: new Float64Array(18).fill(1), wrt: false }],
  (b) => ({ value: b.op1('LayerNormalization', ['x', 'scale'], { axis: 1 }) }));

// — losses: the loss modules' analytic seeds against differences of the loss itself
const onehot = (rows: number, k: number, labels: number[]): Float64Array => {
  const t = new Float64Array(rows * k);
  labels.forEach((l, r) => (t[r * k + l] = 1));
  return t;
};
const lossTest = (kind: 'mse' | 'softmax-ce' | 'bce-logits', target: CheckInput): void => {
  test(`loss ${kind}: analytic gradient matches central differences (float64)`, () =>
    check(kind, 'float64', [inp('p', target.shape as number[], 1, true, 2), target], (b) => {
      const { loss, seed } = emitLoss(b, kind, 'p', 't');
      return { value: loss, seed, seedAt: 'p' };
    }));
};
lossTest('mse', inp('t', [4, 2], 9, false));
lossTest('softmax-ce', { name: 't', shape: [4, 3], data: onehot(4, 3, [0, 2, 1, 2]), wrt: false });
lossTest('bce-logits', { name: 't', shape: [5, 1], data: Float64Array.from([0, 1, 1, 0, 1]), wrt: false });

test('every op in the registry has a gradient check above', () => {
  assert.deepEqual(supportedOps().filter((op) => !covered.has(op)), []);
});

test('loss values are the documented means', async () => {
  // bce with p = 0 is ln 2 per row whatever the label; CE with equal logits is ln K
  const { GraphBuilder } = await import('@edgefl/train');
  const ort = await import('onnxruntime-node');
  const b = new GraphBuilder('l', 'float64');
  b.input('p', [3, 1]);
  b.input('t', [3, 1]);
  b.input('q', [3, 4]);
  b.input('u', [3, 4]);
  b.op('Identity', [emitLoss(b, 'bce-logits', 'p', 't').loss], {}, ['bce']);
  b.op('Identity', [emitLoss(b, 'softmax-ce', 'q', 'u').loss], {}, ['ce']);
  b.op('Identity', [emitLoss(b, 'mse', 'q', 'u').loss], {}, ['mse']);
  for (const o of ['bce', 'ce', 'mse']) b.output(o);
  const s = await ort.InferenceSession.create(b.toBytes());
  const u = onehot(3, 4, [0, 1, 3]);
  const r = await s.run({
    p: new ort.Tensor('float64', new Float64Array(3), [3, 1]), t: new ort.Tensor('float64', Float64Array.from([0, 1, 1]), [3, 1]),
    q: new ort.Tensor('float64', new Float64Array(12), [3, 4]), u: new ort.Tensor('float64', u, [3, 4]),
  });
  assert.ok(Math.abs(Number(r.bce!.data[0]) - Math.LN2) < 1e-12);
  assert.ok(Math.abs(Number(r.ce!.data[0]) - Math.log(4)) < 1e-12);
  assert.ok(Math.abs(Number(r.mse!.data[0]) - 3 / 12) < 1e-12); // three ones among 12 entries
});

for (const ft of ['float32', 'float64'] as const) test(`MaxPool shares the gradient equally among tied maxima (mask path, ${ft})`, async () => {
  const { GraphBuilder, backward } = await import('@edgefl/train');
  const ort = await import('onnxruntime-node');
  const b = new GraphBuilder('tie', ft);
  b.input('x', [1, 1, 2, 4]);
  const y = b.op1('MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] });
  const g = backward(b, new Map([[y, b.constF([1, 4], [1, 1, 1, 2])]]), ['x']).get('x')!;
  b.op('Identity', [g], {}, ['g']);
  b.output('g');
  const s = await ort.InferenceSession.create(b.toBytes());
  // window 1: [1 3 / 3 2] has two maxima; window 2: [5 0 / 1 2] has one
  const Arr = ft === 'float64' ? Float64Array : Float32Array;
  const r = await s.run({ x: new ort.Tensor(ft, Arr.from([1, 3, 5, 0, 3, 2, 1, 2]), [1, 1, 2, 4]) });
  assert.deepEqual(Array.from(r.g!.data as Float64Array), [0, 0.5, 4, 0, 0.5, 0, 0, 0]);
});
