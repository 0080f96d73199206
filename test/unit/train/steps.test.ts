import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng, type Dataset } from '@edgefl/core';
import { buildStepGraph, createTrainer, IO, resolveModel, initParams, TrainError, type ModelSpec } from '@edgefl/train';
import { digits } from './helpers/data.js';

/** A small random classification set: `features` inputs, `classes` labels. */
function toyData(n: number, features: number, classes: number, seed: number): Dataset {
  const r = new Rng(seed);
  const x = Float32Array.from({ length: n * features }, () => r.normal());
  const y = Float32Array.from({ length: n }, () => (classes > 0 ? r.int(classes) : r.normal()));
  return { name: 'toy', n, features, x, y, classes };
}

const near = (a: Float32Array, b: Float32Array, tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

test('step graphs compute exactly their formulas (one step, same seeded batch)', async () => {
  const data = toyData(40, 6, 3, 1);
  const spec = { model: { kind: 'mlp', hidden: [5] } as ModelSpec, data, seed: 4, worker: false };
  const [tg, ts, ta, tp] = await Promise.all([createTrainer(spec), createTrainer(spec), createTrainer(spec), createTrainer(spec)]);
  try {
    const theta = tg.initParams(1);
    const bs = 8, lr = 0.3, rho = 0.7, l1 = 0.05;
    const { grad, loss } = await tg.gradient(theta, { batchSize: bs });
    assert.ok(grad.some((g) => g !== 0));
    // (a) SGD: θ − αg
    const sgd = await ts.sgd(theta, { steps: 1, lr, batchSize: bs });
    assert.equal(sgd.loss, loss);
    assert.ok(near(sgd.params, theta.map((t, i) => t - lr * grad[i]!), 1e-6));
    // (b) ADMM local step: θ − α(g + λ + ρ(θ − anchor))
    const r = new Rng(8);
    const anchor = Float32Array.from(theta, (t) => t + 0.1 * r.normal());
    const dual = Float32Array.from(theta, () => 0.1 * r.normal());
    const admm = await ta.admmStep(theta, { steps: 1, lr, batchSize: bs, anchor, dual, rho });
    assert.ok(near(admm.params, theta.map((t, i) => t - lr * (grad[i]! + dual[i]! + rho * (t - anchor[i]!))), 1e-5));
    // (c) proximal L1: soft(θ − αg, α·μ)
    const prox = await tp.proxStep(theta, { steps: 1, lr, batchSize: bs, l1 });
    const z = theta.map((t, i) => t - lr * grad[i]!);
    const soft = z.map((v) => Math.sign(v) * Math.max(Math.abs(v) - lr * l1, 0));
    assert.ok(near(prox.params, soft, 1e-6));
    assert.ok(prox.params.filter((v) => v === 0).length > 0, 'the soft-threshold zeroes small entries');
  } finally {
    await Promise.all([tg, ts, ta, tp].map((t) => t.close()));
  }
});

test('full-batch gradient equals the row-weighted mean of chunked passes (2500 rows > one chunk)', async () => {
  const data = toyData(2500, 4, 2, 2);
  const t = await createTrainer({ model: { kind: 'logistic' }, data, seed: 1, worker: false });
  try {
    const theta = Float32Array.from([0.3, -0.2, 0.5, 0.1, 0.05]);
    const { grad, loss } = await t.gradient(theta, { batchSize: 'full' });
    // reference in float64 JS: BCE with logits, mean over all rows
    const ref = new Float64Array(5);
    let refLoss = 0;
    for (let i = 0; i < data.n; i++) {
      let z = theta[4]!;
      for (let j = 0; j < 4; j++) z += theta[j]! * data.x[i * 4 + j]!;
      const y = data.y[i]!;
      refLoss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
      const d = 1 / (1 + Math.exp(-z)) - y;
      for (let j = 0; j < 4; j++) ref[j]! += d * data.x[i * 4 + j]!;
      ref[4]! += d;
    }
    assert.ok(Math.abs(loss - refLoss / data.n) < 1e-5, `${loss} vs ${refLoss / data.n}`);
    grad.forEach((g, j) => assert.ok(Math.abs(g - ref[j]! / data.n) < 1e-5, `grad[${j}] ${g} vs ${ref[j]! / data.n}`));
  } finally {
    await t.close();
  }
});

test('ADMM steps pull θ toward the anchor as ρ grows; prox steps sparsify as μ grows', async () => {
  const { train } = digits();
  const t = await createTrainer({ model: { kind: 'logistic' }, data: train, seed: 1 });
  try {
    const theta = t.initParams(1);
    const anchor = new Float32Array(t.dim).fill(0.05);
    const dual = new Float32Array(t.dim);
    const dist = (p: Float32Array): number => Math.sqrt(p.reduce((s, v, i) => s + (v - anchor[i]!) ** 2, 0));
    const loose = await t.admmStep(theta, { steps: 20, lr: 0.05, batchSize: 16, anchor, dual, rho: 0 });
    const tight = await t.admmStep(theta, { steps: 20, lr: 0.05, batchSize: 16, anchor, dual, rho: 10 });
    assert.ok(dist(tight.params) < dist(loose.params) / 2, `${dist(tight.params)} vs ${dist(loose.params)}`);
    const zeros = (p: Float32Array): number => p.filter((v) => v === 0).length;
    const weak = await t.proxStep(theta, { steps: 20, lr: 0.05, batchSize: 16, l1: 1e-4 });
    const strong = await t.proxStep(theta, { steps: 20, lr: 0.05, batchSize: 16, l1: 0.5 });
    assert.ok(zeros(strong.params) > zeros(weak.params) + 100, `${zeros(strong.params)} vs ${zeros(weak.params)}`);
  } finally {
    await t.close();
  }
});

test('a negative ρ or μ is refused: soft(z, α·μ) with μ < 0 is no threshold (Clip with min > max)', async () => {
  const data = toyData(20, 4, 2, 3);
  const t = await createTrainer({ model: { kind: 'logistic' }, data, seed: 1, worker: false });
  try {
    const theta = t.initParams(1);
    const zero = new Float32Array(t.dim);
    const refused = (name: string) => (e: unknown): boolean =>
      e instanceof TrainError && e.code === 'TRAIN_SPEC' && e.message.includes(`${name} must be a finite number ≥ 0`) && /≥ 0/.test(e.hint ?? '');
    await assert.rejects(t.proxStep(theta, { steps: 1, lr: 0.1, batchSize: 4, l1: -0.5 }), refused('l1'));
    await assert.rejects(t.stepOn(theta, data, { kind: 'prox', lr: 0.1, l1: -0.5 }), refused('l1'));
    await assert.rejects(t.admmStep(theta, { steps: 1, lr: 0.1, batchSize: 4, anchor: zero, dual: zero, rho: -1 }), refused('rho'));
    // the boundary stays allowed: μ = 0 is plain SGD, ρ = 0 drops the proximal pull
    const sgd = await t.stepOn(theta, data, { lr: 0.1 });
    assert.deepEqual((await t.stepOn(theta, data, { kind: 'prox', lr: 0.1, l1: 0 })).params, sgd.params);
  } finally {
    await t.close();
  }
});

/**
 * Central differences of a zoo model's grad graph with respect to the flat parameters.
 * ReLU and max-pool kinks within h of the point spoil a single difference in float32
 * (where h cannot be tiny), so a coordinate fails only when no step in `hs` agrees.
 */
async function checkModel(spec: ModelSpec, data: Dataset, floatType: 'float32' | 'float64', hs: readonly number[], rtol: number, atol: number): Promise<void> {
  const model = await resolveModel(spec, data);
  const g = buildStepGraph(model, data.features, 'grad', floatType);
  const s = await ort.InferenceSession.create(g.bytes);
  const Arr = floatType === 'float64' ? Float64Array : Float32Array;
  const theta = Float64Array.from(initParams(model.params, g.layout, 3));
  // zero-initialised zoo weights (linear/logistic) are a poor point to test at: perturb
  for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + 0.05 * Math.sin(i + 1);
  const target = new Arr(data.n * model.outputs);
  for (let i = 0; i < data.n; i++) {
    if (model.loss === 'softmax-ce') target[i * model.outputs + data.y[i]!] = 1;
    else target[i * model.outputs] = data.y[i]!;
  }
  const feeds = (p: Float64Array): Record<string, ort.Tensor> => ({
    [IO.params]: new ort.Tensor(floatType, Arr.from(p), [p.length]),
    [IO.x]: new ort.Tensor(floatType, Arr.from(data.x), [data.n, data.features]),
    [IO.target]: new ort.Tensor(floatType, target, [data.n, model.outputs]),
  });
  const base = await s.run(feeds(theta));
  const grad = base[IO.grad]!.data as Float64Array;
  const r = new Rng(17);
  const bad: string[] = [];
  // every parameter tensor, a few coordinates each
  for (const e of g.layout) {
    for (let c = 0; c < 4; c++) {
      const k = e.offset + r.int(e.size);
      const nums: number[] = [];
      for (const h of hs) {
        const p = theta.slice();
        p[k] = theta[k]! + h;
        const lp = Number((await s.run(feeds(p), [IO.loss]))[IO.loss]!.data[0]);
        p[k] = theta[k]! - h;
        const lm = Number((await s.run(feeds(p), [IO.loss]))[IO.loss]!.data[0]);
        nums.push((lp - lm) / (2 * h));
      }
      const ok = nums.some((num) => Math.abs(num - grad[k]!) <= atol + rtol * Math.max(Math.abs(num), Math.abs(grad[k]!)));
      if (!ok) bad.push(`${e.name}[${k - e.offset}]: ${grad[k]} vs ${nums.join(' / ')}`);
    }
  }
  await s.release();
  assert.deepEqual(bad, []);
}

test('whole-model gradient: MLP (tanh and relu), float64', async () => {
  await checkModel({ kind: 'mlp', hidden: [7, 5], activation: 'tanh' }, toyData(12, 6, 4, 3), 'float64', [1e-6], 1e-5, 1e-8);
  await checkModel({ kind: 'mlp', hidden: [7], activation: 'relu' }, toyData(12, 6, 0, 4), 'float64', [1e-6], 1e-5, 1e-8);
});
test('whole-model gradient: logistic (binary and multinomial) and linear, float64', async () => {
  await checkModel({ kind: 'logistic' }, toyData(10, 5, 2, 5), 'float64', [1e-6], 1e-5, 1e-8);
  await checkModel({ kind: 'logistic' }, toyData(10, 5, 3, 6), 'float64', [1e-6], 1e-5, 1e-8);
  await checkModel({ kind: 'linear' }, toyData(10, 5, 0, 7), 'float64', [1e-6], 1e-5, 1e-8);
});
test('whole-model gradient: LeNet on 8×8 images, float32', async () => {
  await checkModel({ kind: 'lenet' }, toyData(3, 64, 10, 8), 'float32', [1e-3, 3e-4], 3e-2, 1e-3);
});
test('whole-model gradient: LeNet with layer normalization before every layer, float32', async () => {
  await checkModel({ kind: 'lenet', norm: 'layer' }, toyData(3, 64, 10, 9), 'float32', [1e-3, 3e-4], 3e-2, 1e-3);
});
test('LeNet with layer normalization classifies a row alone as it does within a batch (no batch statistics)', async () => {
  const data = toyData(5, 64, 10, 10);
  const model = await resolveModel({ kind: 'lenet', norm: 'layer' }, data);
  assert.equal(model.name, 'lenet-ln-1x8x8');
  const g = buildStepGraph(model, data.features, 'grad', 'float32');
  const s = await ort.InferenceSession.create(g.bytes);
  const theta = Float32Array.from(initParams(model.params, g.layout, 3));
  const run = async (rows: number[], gain = 1): Promise<number> => {
    const x = new Float32Array(rows.length * data.features);
    rows.forEach((r, j) => x.set(Array.from(data.x.subarray(r * data.features, (r + 1) * data.features), (v) => gain * v), j * data.features));
    const target = new Float32Array(rows.length * model.outputs);
    rows.forEach((r, j) => { target[j * model.outputs + data.y[r]!] = 1; });
    const out = await s.run({ [IO.params]: new ort.Tensor('float32', theta, [theta.length]), [IO.x]: new ort.Tensor('float32', x, [rows.length, data.features]), [IO.target]: new ort.Tensor('float32', target, [rows.length, model.outputs]) }, [IO.loss]);
    return Number(out[IO.loss]!.data[0]);
  };
  const alone = await Promise.all([0, 1, 2, 3, 4].map((r) => run([r])));
  const together = await run([0, 1, 2, 3, 4]);
  assert.ok(Math.abs(together - alone.reduce((a, b) => a + b, 0) / 5) < 1e-5, `batch loss ${together} vs mean of single-row losses ${alone}`);
  // the normalization is there: images 10× brighter give the same loss (the first layer sees x̂)
  const brighter = await run([0, 1, 2, 3, 4], 10);
  assert.ok(Math.abs(brighter - together) < 1e-4 * (1 + together), `loss ${brighter} at 10× the input vs ${together}`);
  await s.release();
});
