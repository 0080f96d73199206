import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createTrainer, exampleModelPath, GraphBuilder, TrainError } from '@edgefl/train';
import { breastCancer, digits } from './helpers/data.js';

const path = exampleModelPath();

test('the shipped model is a valid inference model, and its import computes the same loss as ONNX Runtime on the file', async () => {
  const { test: te } = digits();
  const s = await ort.InferenceSession.create(path);
  assert.deepEqual(s.inputNames, ['input']);
  const logits = (await s.run({ input: new ort.Tensor('float32', te.x, [te.n, 1, 8, 8]) })).logits!.data as Float32Array;
  let ce = 0;
  for (let r = 0; r < te.n; r++) {
    const row = logits.subarray(r * 10, r * 10 + 10);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    ce += lse - row[te.y[r]!]!;
  }
  const t = await createTrainer({ model: { kind: 'onnx', path }, data: te, seed: 1 });
  try {
    const r = await t.evaluate(t.initParams(0));
    assert.ok(Math.abs(r.loss - ce / te.n) < 1e-4, `${r.loss} vs ${ce / te.n}`);
  } finally {
    await t.close();
  }
});

test('an imported model trains: all float initializers are parameters except BatchNorm statistics, and loss falls', async () => {
  const { train, test: te } = digits();
  const t = await createTrainer({ model: { kind: 'onnx', path }, data: train, seed: 2 });
  try {
    assert.deepEqual(t.layout.map((e) => e.name), ['conv1.weight', 'conv1.bias', 'bn1.weight', 'bn1.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    assert.equal(t.dim, 36 + 4 + 4 + 4 + 2048 + 32 + 320 + 10);
    const p0 = t.initParams(0);
    assert.deepEqual(Array.from(p0.subarray(40, 44)), [1, 1, 1, 1], 'initial values come from the file (bn1.weight = 1)');
    const before = await t.evaluate(p0, te);
    let p = p0;
    for (let r = 0; r < 6; r++) p = (await t.sgd(p, { steps: 50, lr: 0.05, batchSize: 32 })).params;
    const after = await t.evaluate(p, te);
    assert.ok(after.loss < before.loss / 3, `loss ${before.loss} → ${after.loss}`);
    assert.ok(after.accuracy! >= 0.9, `accuracy ${after.accuracy}`);
  } finally {
    await t.close();
  }
});

test('freeze keeps named layers out of the parameter vector (exact names or dotted prefixes)', async () => {
  const { train } = digits();
  const t = await createTrainer({ model: { kind: 'onnx', path, freeze: ['conv1', 'bn1.weight', 'bn1.bias'] }, data: train, seed: 2, worker: false });
  try {
    assert.deepEqual(t.layout.map((e) => e.name), ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const p0 = t.initParams(0);
    const r = await t.sgd(p0, { steps: 100, lr: 0.05, batchSize: 32 });
    const e0 = await t.evaluate(p0);
    const e1 = await t.evaluate(r.params);
    assert.ok(e1.loss < e0.loss / 2, `${e0.loss} → ${e1.loss}`);
  } finally {
    await t.close();
  }
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path, freeze: ['conv9'] }, data: train, seed: 1 }),
    (e: unknown) => e instanceof TrainError && /conv9/.test(e.message) && /conv1\.weight/.test(e.hint ?? ''));
});

test('import errors name the cause and the fix', async () => {
  const { train } = digits();
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-train-'));
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path: join(dir, 'missing.onnx') }, data: train, seed: 1 }),
    (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_MODEL_FILE' && /missing\.onnx/.test(e.message));
  writeFileSync(join(dir, 'junk.onnx'), Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02]));
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path: join(dir, 'junk.onnx') }, data: train, seed: 1 }), /not an ONNX model/);
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path }, data: breastCancer().train, seed: 1 }),
    (e: unknown) => e instanceof TrainError && /does not hold 30 features/.test(e.message));
  // a model that ends in Softmax is refused with the fix
  const sm = new GraphBuilder('softmax');
  sm.init('w', { type: 'float32', dims: [10, 64], data: new Float32Array(640) });
  sm.input('x', ['N', 64]);
  sm.op('Softmax', [sm.op1('Gemm', ['x', 'w'], { transB: 1 })], { axis: -1 }, ['p']);
  sm.output('p');
  writeFileSync(join(dir, 'softmax.onnx'), sm.toBytes());
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path: join(dir, 'softmax.onnx') }, data: train, seed: 1 }),
    (e: unknown) => e instanceof TrainError && /ends in Softmax/.test(e.message) && /without the final Softmax/.test(e.hint ?? ''));
  // a model with an op that has no gradient rule on the parameter path fails at load…
  const b = new GraphBuilder('erf');
  b.init('w1', { type: 'float32', dims: [16, 64], data: new Float32Array(1024).fill(0.01) });
  b.init('w2', { type: 'float32', dims: [10, 16], data: new Float32Array(160).fill(0.01) });
  b.input('x', ['N', 64]);
  const h = b.op1('Erf', [b.op1('Gemm', ['x', 'w1'], { transB: 1 })]);
  b.setShape(h, ['N', 16]);
  b.op('Gemm', [h, 'w2'], { transB: 1 }, ['y']);
  b.output('y');
  writeFileSync(join(dir, 'erf.onnx'), b.toBytes());
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path: join(dir, 'erf.onnx') }, data: train, seed: 1 }),
    (e: unknown) => e instanceof TrainError && /op "Erf"/.test(e.message) && /supported ops/.test(e.message));
  // …unless the parameters before it are frozen: then nothing needs its gradient
  const t = await createTrainer({ model: { kind: 'onnx', path: join(dir, 'erf.onnx'), freeze: ['w1'] }, data: train, seed: 1, worker: false });
  try {
    assert.equal(t.dim, 160);
    const r = await t.sgd(t.initParams(0), { steps: 20, lr: 0.1, batchSize: 32 });
    assert.ok((await t.evaluate(r.params)).loss < (await t.evaluate(t.initParams(0))).loss);
  } finally {
    await t.close();
  }
});
