import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '@edgefl/core';
import { createTrainer, GraphBuilder, setTrainerThreads, sharedSessionCount, TrainError } from '@edgefl/train';
import { digits } from './helpers/data.js';

test('an evaluation set is sent again to a new worker: results never silently come from the training data', async () => {
  setTrainerThreads(1); // one pooled host, so the second trainer reuses the first one's
  const { train, test: te } = digits();
  const spec = { model: { kind: 'mlp', hidden: [8] }, data: train, seed: 1 } as const;
  const a = await createTrainer(spec);
  const p = a.initParams(0);
  const onTest = await a.evaluate(p, te);
  const onTrain = await a.evaluate(p);
  assert.notEqual(onTest.loss, onTrain.loss, 'the two sets give different losses');
  await a.close(); // the host's last engine: its worker stops, and te with it
  const b = await createTrainer(spec);
  try {
    assert.deepEqual(await b.evaluate(p, te), onTest);
    assert.deepEqual(await b.evaluate(p), onTrain);
  } finally {
    await b.close();
  }
});

test('an evaluation on a closed trainer does not leave its set marked as sent', async () => {
  setTrainerThreads(1);
  const { train, test: te } = digits();
  const spec = { model: { kind: 'mlp', hidden: [8] }, data: train, seed: 1 } as const;
  const keep = await createTrainer(spec); // keeps the shared worker alive
  const closed = await createTrainer(spec);
  try {
    await closed.close();
    await assert.rejects(closed.evaluate(keep.initParams(0), te), (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_CLOSED');
    const p = keep.initParams(0);
    const r = await keep.evaluate(p, te);
    const local = await createTrainer({ ...spec, worker: false });
    try {
      assert.deepEqual(r, await local.evaluate(p, te));
    } finally {
      await local.close();
    }
  } finally {
    await keep.close();
  }
});

test('closing an in-thread trainer during a call: the call fails as TRAIN_CLOSED, close waits for the run under way', async () => {
  const { train } = digits();
  const t = await createTrainer({ model: { kind: 'mlp', hidden: [32] }, data: train, seed: 1, worker: false });
  const call = t.sgd(t.initParams(0), { steps: 200, lr: 0.1, batchSize: 32 });
  await new Promise((r) => setImmediate(r)); // the first runs are under way
  await t.close();
  await assert.rejects(call, (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_CLOSED' && /under way/.test(e.message));
});

test('a graph ONNX Runtime refuses is a TrainError naming the model, and close() still succeeds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-train-'));
  const b = new GraphBuilder('future', 'float32', 99); // an opset no ONNX Runtime knows
  b.init('w', { type: 'float32', dims: [10, 64], data: new Float32Array(640) });
  b.input('x', ['N', 64]);
  b.op('Gemm', ['x', 'w'], { transB: 1 }, ['y']);
  b.output('y');
  const path = join(dir, 'future.onnx');
  writeFileSync(path, b.toBytes());
  const { train } = digits();
  for (const worker of [false, true]) {
    const t = await createTrainer({ model: { kind: 'onnx', path }, data: train, seed: 1, worker });
    await assert.rejects(t.sgd(t.initParams(0), { steps: 1, lr: 0.1, batchSize: 4 }),
      (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_MODEL' && e.message.includes(path) && /opset/.test(e.hint ?? ''));
    await t.close();
  }
});

test('a call whose options or evaluation set cannot be sent to the worker fails alone, as a TrainError', async () => {
  const { train, test: te } = digits();
  const t = await createTrainer({ model: { kind: 'mlp', hidden: [8] }, data: train, seed: 1 });
  const local = await createTrainer({ model: { kind: 'mlp', hidden: [8] }, data: train, seed: 1, worker: false });
  try {
    const p = t.initParams(0);
    const opts = { steps: 1, lr: 0.1, batchSize: 4, onStep: (): void => undefined }; // a function does not clone
    await assert.rejects(t.sgd(p, opts), (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_SPEC' && /cannot send sgd/.test(e.message) && /no functions/.test(e.hint ?? ''));
    const odd: Dataset & { describe?: () => string } = { ...te, describe: () => 'rows' };
    await assert.rejects(t.evaluate(p, odd), (e: unknown) => e instanceof TrainError && /cannot send evaluate/.test(e.message));
    // the trainer still works, and the same set object, once it clones, is sent then
    // (was: marked as sent although the post failed, so the worker never had it)
    delete odd.describe;
    assert.deepEqual(await t.evaluate(p, odd), await local.evaluate(p, te));
    assert.deepEqual((await t.sgd(p, { steps: 2, lr: 0.1, batchSize: 4 })).params, (await local.sgd(p, { steps: 2, lr: 0.1, batchSize: 4 })).params);
  } finally {
    await t.close();
    await local.close();
  }
});

test('trainers of one model in a thread share its ONNX Runtime session; the last to close releases it, and results are those of a session of their own', async () => {
  const { train } = digits();
  const spec = { model: { kind: 'mlp', hidden: [8] }, data: train, seed: 1, worker: false } as const;
  const before = sharedSessionCount();
  const sgd = { steps: 5, lr: 0.1, batchSize: 16 };
  // the reference: one trainer alone, two calls (its mini-batch sampler moves on between them)
  const alone = await createTrainer(spec);
  const p = alone.initParams(0);
  const first = await alone.sgd(p, sgd);
  const second = await alone.sgd(p, sgd);
  await alone.close();
  assert.equal(sharedSessionCount(), before, 'released with its only trainer');
  const [a, b] = await Promise.all([createTrainer(spec), createTrainer(spec)]);
  const [ra, rb] = await Promise.all([a.sgd(p, sgd), b.sgd(p, sgd)]);
  assert.equal(sharedSessionCount(), before + 1, 'one step session for both');
  assert.deepEqual(ra, first);
  assert.deepEqual(rb, first);
  // another model is another graph
  const other = await createTrainer({ ...spec, model: { kind: 'mlp', hidden: [4] } });
  await other.sgd(other.initParams(0), sgd);
  assert.equal(sharedSessionCount(), before + 2);
  await other.close();
  await a.close();
  assert.equal(sharedSessionCount(), before + 1, 'b still holds the session');
  assert.deepEqual(await b.sgd(p, sgd), second, 'b runs on after a closed');
  await b.close();
  assert.equal(sharedSessionCount(), before, 'released with its last trainer');
});
