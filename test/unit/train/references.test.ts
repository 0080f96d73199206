import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng } from '@edgefl/core';
import { buildStepGraph, initParams, IO, LenetReference, MlpReference, resolveModel, type ModelSpec } from '@edgefl/train';

/**
 * The benchmark's plain-TypeScript references must compute the same step as the ONNX
 * graphs (otherwise the speed ratio compares different work) — and, written
 * independently by hand, they cross-check the autodiff on whole models.
 */
async function compare(spec: ModelSpec, features: number, batch: number, ref: (layout: Parameters<typeof initParams>[1]) => { step(t: Float32Array, x: Float32Array, oh: Float32Array, lr: number): number }): Promise<void> {
  const model = await resolveModel(spec, { features, classes: 10 });
  const g = buildStepGraph(model, features, 'sgd');
  const s = await ort.InferenceSession.create(g.bytes);
  const rng = new Rng(3);
  const x = Float32Array.from({ length: batch * features }, () => rng.normal());
  const onehot = new Float32Array(batch * 10);
  for (let r = 0; r < batch; r++) onehot[r * 10 + rng.int(10)] = 1;
  const theta = initParams(model.params, g.layout, 4);
  const lr = 0.5;
  const r = await s.run({
    [IO.params]: new ort.Tensor('float32', theta, [theta.length]), [IO.x]: new ort.Tensor('float32', x, [batch, features]),
    [IO.target]: new ort.Tensor('float32', onehot, [batch, 10]), [IO.lr]: new ort.Tensor('float32', Float32Array.of(lr), [1]),
  });
  const onnxNext = r[IO.paramsOut]!.data as Float32Array;
  const jsNext = theta.slice();
  const jsLoss = ref(g.layout).step(jsNext, x, onehot, lr);
  assert.ok(Math.abs(jsLoss - Number(r[IO.loss]!.data[0])) < 1e-4, `loss ${jsLoss} vs ${r[IO.loss]!.data[0]}`);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < theta.length; i++) {
    const ga = (theta[i]! - onnxNext[i]!) / lr;
    const gb = (theta[i]! - jsNext[i]!) / lr;
    worst = Math.max(worst, Math.abs(ga - gb));
    scale = Math.max(scale, Math.abs(gb));
  }
  assert.ok(scale > 0, 'the step moved');
  assert.ok(worst <= 1e-4 * (1 + scale), `max gradient difference ${worst} (scale ${scale})`);
  await s.release();
}

test('MlpReference computes the same SGD step as the ONNX graph', () =>
  compare({ kind: 'mlp', hidden: [32, 16] }, 20, 6, () => new MlpReference([20, 32, 16, 10], 6)));

test('LenetReference computes the same SGD step as the ONNX graph (8×8 and 28×28)', async () => {
  await compare({ kind: 'lenet' }, 64, 5, (layout) => new LenetReference(layout, 1, 8, 5));
  await compare({ kind: 'lenet' }, 784, 2, (layout) => new LenetReference(layout, 1, 28, 2));
});
