import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxPkg, { type onnx as OnnxTypes } from 'onnx-proto';
import { createTrainer, GraphBuilder, MAX_MODEL_BYTES, TrainError } from '@edgefl/train';
import { digits } from './helpers/data.js';

const { onnx } = onnxPkg;
const dir = mkdtempSync(join(tmpdir(), 'edgefl-hostile-'));
let files = 0;

/** A valid 64 → 10 model (w = sin(i)), edited as a decoded ModelProto by `edit`, written to a file. */
function modelFile(edit: (m: OnnxTypes.ModelProto) => void, build?: (b: GraphBuilder) => void): string {
  const b = new GraphBuilder('m');
  b.init('w', { type: 'float32', dims: [10, 64], data: Float32Array.from({ length: 640 }, (_, i) => Math.sin(i)) });
  b.input('x', ['N', 64]);
  if (build) build(b);
  else b.op('Gemm', ['x', 'w'], { transB: 1 }, ['y']);
  b.setShape('y', ['N', 10]); // declared even where a broken node defeats shape inference
  b.output('y');
  const m = onnx.ModelProto.decode(b.toBytes());
  edit(m);
  const path = join(dir, `m${files++}.onnx`);
  writeFileSync(path, onnx.ModelProto.encode(m).finish());
  return path;
}

/** decoded messages are class instances: repeated fields are arrays (as in the importer) */
const graph = (m: OnnxTypes.ModelProto): OnnxTypes.GraphProto => m.graph as OnnxTypes.GraphProto;
const w0 = (m: OnnxTypes.ModelProto): OnnxTypes.TensorProto => (graph(m).initializer as OnnxTypes.TensorProto[])[0]!;

async function refused(path: string, code: string, message: RegExp, hint: RegExp): Promise<void> {
  await assert.rejects(createTrainer({ model: { kind: 'onnx', path }, data: digits().train, seed: 1, worker: false }),
    (e: unknown) => e instanceof TrainError && e.code === code && message.test(e.message) && hint.test(e.hint ?? ''));
}

test('a tensor whose stored values do not match its dimensions is refused, never read past or padded with zeros', async () => {
  // truncated raw bytes (was: an untyped RangeError)
  await refused(modelFile((m) => { w0(m).rawData = w0(m).rawData.slice(0, 100); }),
    'TRAIN_MODEL_FILE', /tensor "w" holds 25 values, but its dimensions \[10, 64\] need 640/, /truncated/);
  // too many bytes, and a byte count that is no whole number of floats
  await refused(modelFile((m) => { w0(m).rawData = new Uint8Array(4000); }), 'TRAIN_MODEL_FILE', /holds 1000 values/, /re-export/);
  await refused(modelFile((m) => { w0(m).rawData = new Uint8Array(2561); }), 'TRAIN_MODEL_FILE', /need 640/, /re-export/);
  // values in float_data, too few of them (was: trained with the rest silently zero)
  await refused(modelFile((m) => { w0(m).rawData = new Uint8Array(); w0(m).floatData = [1, 2, 3]; }), 'TRAIN_MODEL_FILE', /holds 3 values/, /re-export/);
  // a huge header with no data behind it allocates nothing
  await refused(modelFile((m) => { w0(m).dims = [1e6, 1e6]; }), 'TRAIN_MODEL_FILE', /need 1000000000000/, /re-export/);
  await refused(modelFile((m) => { w0(m).dims = [-10, -64]; }), 'TRAIN_MODEL_FILE', /dimensions \[-10, -64\]/, /re-export/);
});

test('a float tensor stored as external data is refused (was: trained from all-zero weights)', async () => {
  await refused(modelFile((m) => { w0(m).rawData = new Uint8Array(); w0(m).dataLocation = 1; }),
    'TRAIN_MODEL_FILE', /tensor "w" is stored as external data/, /save_as_external_data=False/);
});

test('an output no node computes is refused by name (was: an untyped builder error)', async () => {
  await refused(modelFile((m) => { (graph(m).output as OnnxTypes.ValueInfoProto[])[0]!.name = 'nothing'; }), 'TRAIN_MODEL_IO', /output "nothing" is computed by no node/, /first output/);
  await refused(modelFile((m) => { graph(m).node = []; }), 'TRAIN_MODEL_IO', /output "y" is computed by no node/, /first output/);
});

test('an imported Dropout is the identity: no random mask in training_mode, and its ratio is no parameter', async () => {
  const path = modelFile(() => undefined, (b) => {
    b.init('ratio', { type: 'float32', dims: [], data: Float32Array.of(0.5) });
    b.init('training', { type: 'bool', dims: [], data: Uint8Array.of(1) });
    b.op('Gemm', [b.op1('Dropout', ['x', 'ratio', 'training']), 'w'], { transB: 1 }, ['y']);
  });
  const plain = modelFile(() => undefined);
  const { train } = digits();
  const t = await createTrainer({ model: { kind: 'onnx', path }, data: train, seed: 1, worker: false });
  const ref = await createTrainer({ model: { kind: 'onnx', path: plain }, data: train, seed: 1, worker: false });
  try {
    assert.deepEqual(t.layout.map((e) => e.name), ['w']);
    const p = t.initParams(0);
    const e1 = await t.evaluate(p);
    assert.deepEqual(await t.evaluate(p), e1, 'evaluation replays');
    assert.deepEqual(e1, await ref.evaluate(p), 'the same numbers as without the Dropout');
    assert.deepEqual((await t.gradient(p, { batchSize: 'full' })).grad, (await ref.gradient(p, { batchSize: 'full' })).grad);
  } finally {
    await t.close();
    await ref.close();
  }
});

test('a node with too few or too many inputs for its op is refused by name (was: an untyped builder error)', async () => {
  await refused(modelFile(() => undefined, (b) => b.op('Div', [b.op1('Gemm', ['x', 'w'], { transB: 1 })], {}, ['y'])),
    'TRAIN_MODEL_FILE', /node "n_Div_\d+" \(Div\) has 1 inputs; Div takes 2/, /re-export/);
  await refused(modelFile(() => undefined, (b) => b.op('Relu', [b.op1('Gemm', ['x', 'w'], { transB: 1 }), 'x'], {}, ['y'])),
    'TRAIN_MODEL_FILE', /\(Relu\) has 2 inputs; Relu takes 1/, /re-export/);
  // absent optional inputs ('') at the end do not count; a gap before a required one does
  await refused(modelFile(() => undefined, (b) => b.op('Gemm', ['', 'w'], { transB: 1 }, ['y'])), 'TRAIN_MODEL_FILE', /\(Gemm\) has 2 inputs; Gemm takes 2–3/, /re-export/);
  const ok = modelFile(() => undefined, (b) => b.op('Gemm', ['x', 'w', ''], { transB: 1 }, ['y']));
  const t = await createTrainer({ model: { kind: 'onnx', path: ok }, data: digits().train, seed: 1, worker: false });
  await t.close();
});

/** x → 1×8×8 → Conv(4, 3×3, pad 1) → MaxPool `pool` → Flatten → Gemm(64 → 10). */
function convNet(pool: Record<string, number[]>): (b: GraphBuilder) => void {
  return (b) => {
    b.init('k', { type: 'float32', dims: [4, 1, 3, 3], data: Float32Array.from({ length: 36 }, (_, i) => Math.cos(i)) });
    const img = b.op1('Reshape', ['x', b.constI64([-1, 1, 8, 8])]);
    const c = b.op1('Conv', [img, 'k'], { pads: [1, 1, 1, 1] });
    const flat = b.op1('Flatten', [b.op1('MaxPool', [c], pool)], { axis: 1 });
    b.op('Gemm', [flat, 'w'], { transB: 1 }, ['y']);
  };
}

test('a pooling or conv window with missing or malformed attributes is refused (was: RangeError from BigInt(NaN))', async () => {
  const good = modelFile(() => undefined, convNet({ kernel_shape: [2, 2], strides: [2, 2] }));
  const t = await createTrainer({ model: { kind: 'onnx', path: good }, data: digits().train, seed: 1, worker: false });
  await t.close();
  const pools: Record<string, number[]>[] = [{ kernel_shape: [2, 2], strides: [2] }, { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, -1, 0] }, { kernel_shape: [2, 0] }, { strides: [2, 2] }];
  for (const pool of pools) {
    await refused(modelFile(() => undefined, convNet(pool)), 'TRAIN_MODEL_FILE', /MaxPool node "n_MaxPool_\d+" has a malformed window/, /2 kernel sizes/);
  }
});

test('a model that only fails inside ONNX Runtime at run time fails as TrainError TRAIN_MODEL naming it', async () => {
  // GlobalAveragePool of a 2-D tensor: every static check passes, the kernel refuses it
  const path = modelFile(() => undefined, (b) => b.op('GlobalAveragePool', [b.op1('Gemm', ['x', 'w'], { transB: 1 })], {}, ['y']));
  for (const worker of [false, true]) {
    const t = await createTrainer({ model: { kind: 'onnx', path }, data: digits().train, seed: 1, worker });
    try {
      await assert.rejects(t.sgd(t.initParams(0), { steps: 1, lr: 0.1, batchSize: 4 }),
        (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_MODEL' && e.message.includes(path) && /GlobalAveragePool/.test(e.message));
    } finally {
      await t.close();
    }
  }
});

test('what is not a regular file, or is larger than MAX_MODEL_BYTES, is refused before any read (was: /dev/zero read for minutes)', async () => {
  // (the device last: before the fix it was the one that hung)
  await refused(dir, 'TRAIN_MODEL_FILE', /is not a regular file/, /\.onnx file/);
  const big = join(dir, 'big.onnx');
  writeFileSync(big, '');
  truncateSync(big, MAX_MODEL_BYTES + 1); // sparse: no disk space, no bytes read
  await refused(big, 'TRAIN_MODEL_FILE', /is 512 MiB; edgefl imports models up to 512 MiB/, /smaller model/);
  await refused('/dev/zero', 'TRAIN_MODEL_FILE', /"\/dev\/zero" is not a regular file/, /\.onnx file/);
});
