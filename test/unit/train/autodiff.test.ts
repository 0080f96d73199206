import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { backward, GraphBuilder, supportedOps, TrainError } from '@edgefl/train';

const REQUIRED = ['Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax',
  'Reshape', 'Flatten', 'Transpose', 'Concat', 'Conv', 'MaxPool', 'AveragePool', 'Dropout', 'BatchNormalization'];

test('the registry covers every op issue 4 requires', () => {
  assert.deepEqual(REQUIRED.filter((op) => !supportedOps().includes(op)), []);
});

test('an op without a rule is refused at build time with its name, node and the supported list', () => {
  const b = new GraphBuilder('g');
  b.input('x', ['N', 3]);
  const w = b.constF([1, 2, 3], [3, 1]);
  const h = b.op1('MatMul', ['x', w]);
  const e = b.op1('Erf', [h]);
  b.setShape(e, b.shapeOf(h));
  const y = b.op1('Relu', [e]);
  assert.throws(() => backward(b, new Map([[y, y]]), [w]), (err: unknown) => {
    assert.ok(err instanceof TrainError);
    assert.equal(err.code, 'TRAIN_UNSUPPORTED_OP');
    assert.match(err.message, /op "Erf" \(node "n_Erf_\d+"/);
    assert.match(err.message, /supported ops: .*Conv.*Gemm/);
    assert.match(err.hint ?? '', /freeze/);
    return true;
  });
});

test('ops off the path between parameters and loss need no rule', () => {
  const b = new GraphBuilder('g');
  b.input('x', ['N', 3]);
  const xe = b.op1('Erf', ['x']); // depends on data only
  b.setShape(xe, ['N', 3]);
  const w = b.constF([1, 2, 3], [3, 1]);
  const y = b.op1('MatMul', [xe, w]);
  const grads = backward(b, new Map([[y, y]]), [w]);
  assert.ok(grads.get(w));
});

test('gradients of a tensor used twice are summed (d(w·w)/dw = 2w)', async () => {
  const b = new GraphBuilder('g', 'float64');
  b.input('w', [3]);
  const y = b.op1('Mul', ['w', 'w']);
  const one = b.constF([1, 1, 1], [3]);
  const g = backward(b, new Map([[y, one]]), ['w']).get('w')!;
  b.op('Identity', [g], {}, ['g']);
  b.output('g');
  const s = await ort.InferenceSession.create(b.toBytes());
  const r = await s.run({ w: new ort.Tensor('float64', Float64Array.from([1, -2, 3]), [3]) });
  assert.deepEqual(Array.from(r.g!.data as Float64Array), [2, -4, 6]);
});

test('unsupported configurations are refused with a fix: grouped Conv, training-mode BatchNorm, 1-D MatMul', () => {
  const conv = new GraphBuilder('c');
  conv.input('x', ['N', 2, 5, 5]);
  conv.input('w', [2, 1, 3, 3]);
  const y = conv.op1('Conv', ['x', 'w'], { group: 2 });
  assert.throws(() => backward(conv, new Map([[y, y]]), ['w']), (e: unknown) => e instanceof TrainError && /group=2/.test(e.message) && !!e.hint);

  const bn = new GraphBuilder('bn');
  bn.input('x', ['N', 2, 3, 3]);
  for (const p of ['s', 'b', 'm', 'v']) bn.input(p, [2]);
  const z = bn.op('BatchNormalization', ['x', 's', 'b', 'm', 'v'], { training_mode: 1 }, 3)[0]!;
  assert.throws(() => backward(bn, new Map([[z, z]]), ['s']), (e: unknown) => e instanceof TrainError && /training mode/.test(e.message) && /eval/.test(e.hint ?? ''));

  const mm = new GraphBuilder('mm');
  mm.input('x', ['N', 3]);
  mm.input('v', [3]);
  const o = mm.op1('MatMul', ['x', 'v']);
  mm.setShape(o, ['N']);
  assert.throws(() => backward(mm, new Map([[o, o]]), ['v']), (e: unknown) => e instanceof TrainError && /1-D operand/.test(e.message));
});

test('MaxPool with column-major indices (storage_order=1) is refused where the indices would be used, allowed where windows tile', () => {
  const grad = (shape: number[]): void => {
    const b = new GraphBuilder('mp');
    b.input('x', shape);
    const y = b.op1('MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 });
    backward(b, new Map([[y, y]]), ['x']);
  };
  // 5×5 does not tile by 2×2: the gradient would scatter through the (column-major) indices
  assert.throws(() => grad([1, 2, 5, 5]), (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_UNSUPPORTED'
    && /storage_order=1/.test(e.message) && /storage_order=0/.test(e.hint ?? ''));
  assert.doesNotThrow(() => grad([1, 2, 4, 4]), 'the mask path never reads indices');
});

test('the builder infers static shapes through the zoo ops (symbolic batch kept)', () => {
  const b = new GraphBuilder('s');
  b.input('x', ['N', 784]);
  const img = b.op1('Reshape', ['x', b.constI64([-1, 1, 28, 28])]);
  assert.deepEqual(b.shapeOf(img), ['N', 1, 28, 28]);
  const c = b.op1('Conv', [img, b.constF(new Array<number>(6 * 25).fill(0), [6, 1, 5, 5])], { pads: [2, 2, 2, 2] });
  assert.deepEqual(b.shapeOf(c), ['N', 6, 28, 28]);
  const p = b.op1('MaxPool', [c], { kernel_shape: [2, 2], strides: [2, 2] });
  assert.deepEqual(b.shapeOf(p), ['N', 6, 14, 14]);
  const f = b.op1('Flatten', [p], { axis: 1 });
  assert.deepEqual(b.shapeOf(f), ['N', 6 * 14 * 14]);
  const t = b.op1('Transpose', [img], { perm: [0, 2, 3, 1] });
  assert.deepEqual(b.shapeOf(t), ['N', 28, 28, 1]);
});
