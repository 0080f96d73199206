import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, subset, type Dataset } from '@edgefl/core';
import { createTrainer, TrainError, type Trainer } from '@edgefl/train';
import { breastCancer, digits } from './helpers/data.js';

// Explicit-batch calls (issue 4): stepOn(params, batch, o) and gradientOn(params, batch),
// each in a worker and on the calling thread.

const MODES = [{ worker: true, label: 'worker' }, { worker: false, label: 'in-thread' }] as const;

/** The sampler's row order for `seed`: Rng(seed).fork('minibatch') shuffles 0…n−1 (docs/training.md). */
function samplerOrder(n: number, seed: number): Uint32Array {
  return new Rng(seed).fork('minibatch').shuffle(Uint32Array.from({ length: n }, (_, i) => i));
}

const near = (a: Float32Array, b: ArrayLike<number>, tol: number): boolean =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

function noise(dim: number, scale: number, seed: number, around?: Float32Array): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: dim }, (_, i) => (around ? around[i]! : 0) + scale * r.normal());
}

for (const { worker, label } of MODES) {
  test(`stepOn on the sampler's rows equals one sampled step bit for bit, for sgd, admm and prox; gradientOn likewise (${label})`, async () => {
    const { train: tr } = digits();
    const seed = 11;
    const bs = 16;
    const t = await createTrainer({ model: { kind: 'mlp', hidden: [16] }, data: tr, seed, worker });
    try {
      const order = samplerOrder(tr.n, seed);
      const rows = (k: number): Dataset => subset(tr, order.subarray(k * bs, (k + 1) * bs), `batch${k}`);
      const p0 = t.initParams(3);
      const anchor = noise(t.dim, 0.1, 5, p0);
      const dual = noise(t.dim, 0.05, 6);

      // sampled calls consume batches 0, 1, 2, 3 in order; stepOn does not advance the sampler
      const sgd = await t.sgd(p0, { steps: 1, lr: 0.1, batchSize: bs });
      const sgdOn = await t.stepOn(p0, rows(0), { lr: 0.1 });
      assert.deepEqual(sgdOn.params, sgd.params);
      assert.equal(sgdOn.loss, sgd.loss);
      assert.deepEqual(await t.stepOn(p0, rows(0), { kind: 'sgd', lr: 0.1 }), sgdOn, 'kind: sgd is the default');

      const admm = await t.admmStep(p0, { steps: 1, lr: 0.1, batchSize: bs, anchor, dual, rho: 0.5 });
      const admmOn = await t.stepOn(p0, rows(1), { kind: 'admm', lr: 0.1, anchor, dual, rho: 0.5 });
      assert.deepEqual(admmOn.params, admm.params);
      assert.equal(admmOn.loss, admm.loss);

      const prox = await t.proxStep(p0, { steps: 1, lr: 0.1, batchSize: bs, l1: 0.01 });
      const proxOn = await t.stepOn(p0, rows(2), { kind: 'prox', lr: 0.1, l1: 0.01 });
      assert.deepEqual(proxOn.params, prox.params);
      assert.equal(proxOn.loss, prox.loss);

      const grad = await t.gradient(p0, { batchSize: bs });
      const gradOn = await t.gradientOn(p0, rows(3));
      assert.deepEqual(gradOn.grad, grad.grad);
      assert.equal(gradOn.loss, grad.loss);

      // the comparison can fail: other rows give another step and gradient
      assert.notDeepEqual((await t.stepOn(p0, rows(1), { lr: 0.1 })).params, sgd.params);
      assert.notDeepEqual((await t.gradientOn(p0, rows(0))).grad, grad.grad);
      // the caller's arrays are neither changed nor detached (worker mode transfers copies)
      const b = rows(0);
      const before = b.x.slice();
      await t.stepOn(p0, b, { lr: 0.1 });
      assert.deepEqual(b.x, before);
      assert.deepEqual(p0, t.initParams(3));
    } finally {
      await t.close();
    }
  });

  test(`gradientOn(all rows) equals gradient({ batchSize: 'full' }) and is the row-weighted mean of its parts (${label})`, async () => {
    const { train: tr } = digits(); // 1348 rows: more than one 1024-row chunk
    const t = await createTrainer({ model: { kind: 'mlp', hidden: [16], activation: 'tanh' }, data: tr, seed: 2, worker });
    try {
      const p = t.initParams(4);
      const full = await t.gradient(p, { batchSize: 'full' });
      const on = await t.gradientOn(p, tr);
      assert.deepEqual(on.grad, full.grad);
      assert.equal(on.loss, full.loss);
      // a copy of the rows (another object, as a user pipeline would hand over) gives the same bits
      assert.deepEqual((await t.gradientOn(p, subset(tr, Array.from({ length: tr.n }, (_, i) => i)))).grad, full.grad);
      // mean over exactly these rows: ∇ over A ∪ B = (|A|·∇_A + |B|·∇_B) / (|A| + |B|)
      const a = subset(tr, Array.from({ length: 300 }, (_, i) => i));
      const b = subset(tr, Array.from({ length: 100 }, (_, i) => 300 + i));
      const ab = subset(tr, Array.from({ length: 400 }, (_, i) => i));
      const [ga, gb, gab] = [await t.gradientOn(p, a), await t.gradientOn(p, b), await t.gradientOn(p, ab)];
      assert.ok(near(gab.grad, ga.grad.map((v, i) => 0.75 * v + 0.25 * gb.grad[i]!), 1e-5));
      assert.ok(Math.abs(gab.loss - (0.75 * ga.loss + 0.25 * gb.loss)) < 1e-5);
      assert.ok(!near(ga.grad, gb.grad, 1e-3), 'different rows, different gradients');
    } finally {
      await t.close();
    }
  });

  test(`stepOn works on one row and on a batch larger than a chunk; the step is θ − α·gradientOn (${label})`, async () => {
    const { train: tr } = digits();
    const t = await createTrainer({ model: { kind: 'linear' }, data: tr, seed: 1, worker });
    try {
      const zero = t.initParams(1); // every logit 0: CE = ln 10 on any batch
      const one = subset(tr, [7], 'one-row');
      const r1 = await t.stepOn(zero, one, { lr: 0.5 });
      assert.ok(Math.abs(r1.loss - Math.log(10)) < 1e-6, `loss ${r1.loss}`);
      const g1 = await t.gradientOn(zero, one);
      assert.ok(near(r1.params, zero.map((v, i) => v - 0.5 * g1.grad[i]!), 1e-6));
      // one row of class y: the bias gradient is softmax − onehot = 0.1 − [k = y]
      const y = one.y[0]!;
      const bias = g1.grad.subarray(t.dim - 10);
      bias.forEach((v, k) => assert.ok(Math.abs(v - (0.1 - (k === y ? 1 : 0))) < 1e-6, `bias grad ${k}: ${v}`));

      const p = noise(t.dim, 0.05, 9);
      const big = subset(tr, Array.from({ length: 1200 }, (_, i) => tr.n - 1 - i), 'big'); // > 1024 rows, > any usual batch
      const rb = await t.stepOn(p, big, { lr: 0.2 });
      const gb = await t.gradientOn(p, big);
      assert.ok(Math.abs(rb.loss - gb.loss) < 1e-5, `${rb.loss} vs ${gb.loss}`);
      assert.ok(Math.abs(rb.loss - (await t.evaluate(p, big)).loss) < 1e-5);
      assert.ok(near(rb.params, p.map((v, i) => v - 0.2 * gb.grad[i]!), 1e-5));
      // alternating sizes reuse nothing stale: the one-row step again gives the same bits
      assert.deepEqual((await t.stepOn(zero, one, { lr: 0.5 })).params, r1.params);
    } finally {
      await t.close();
    }
  });

  test(`bad batches are TrainErrors naming what is wrong and the fix (${label})`, async () => {
    const { train: tr } = digits();
    const t = await createTrainer({ model: { kind: 'mlp', hidden: [8] }, data: tr, seed: 1, worker });
    const rows = (): Dataset => subset(tr, [0, 1, 2, 3], 'mine');
    const edit = (f: (b: { x: Float32Array; y: Float32Array }) => void): Dataset => {
      const b = rows();
      f(b);
      return b;
    };
    const wide = rows();
    const cases: [string, Dataset, RegExp, RegExp][] = [
      ['wrong features', { ...wide, features: 63, x: wide.x.subarray(0, 4 * 63) }, /batch "mine": has 63 features per row, the model takes 64/, /64 features/],
      ['label out of range', edit((b) => { b.y[2] = 10; }), /batch "mine": row 2 has label 10, outside 0…9/, /class indices 0…9/],
      ['negative label', edit((b) => { b.y[0] = -1; }), /row 0 has label -1/, /class indices/],
      ['fractional label', edit((b) => { b.y[1] = 2.5; }), /row 1 has label 2\.5/, /class indices/],
      ['NaN label', edit((b) => { b.y[3] = NaN; }), /row 3 has label NaN/, /class indices/],
      ['NaN feature', edit((b) => { b.x[2 * 64 + 5] = NaN; }), /batch "mine": x\[row 2, feature 5\] is NaN/, /non-finite/],
      ['infinite feature', edit((b) => { b.x[3 * 64 + 63] = -Infinity; }), /x\[row 3, feature 63\] is -Infinity/, /non-finite/],
      ['x of the wrong length', { ...wide, x: wide.x.subarray(0, 200) }, /x has 200 values, expected n·features = 4·64 = 256/, /row-major/],
      ['y of the wrong length', { ...wide, y: wide.y.subarray(0, 3) }, /y has 3 values, expected n = 4/, /one target per row/],
      ['no rows', { ...wide, n: 0, x: new Float32Array(0), y: new Float32Array(0) }, /n must be a positive integer, got 0/, /at least one row/],
      ['other classes', { ...wide, classes: 0 }, /declares 0 classes, the model was built for 10/, /same source/],
      ['x not a Float32Array', { ...wide, x: Float64Array.from(wide.x) as unknown as Float32Array }, /x must be a Float32Array, got Float64Array/, /Float32Array/],
    ];
    try {
      const p = t.initParams(1);
      for (const [what, batch, msg, hint] of cases) {
        const check = (e: unknown): boolean => {
          assert.ok(e instanceof TrainError, `${what}: ${String(e)}`);
          assert.equal(e.code, 'TRAIN_DATA', what);
          assert.match(e.message, msg, what);
          assert.match(e.hint ?? '', hint, what);
          return true;
        };
        await assert.rejects(t.stepOn(p, batch, { lr: 0.1 }), check);
        await assert.rejects(t.gradientOn(p, batch), check);
      }
      // bad options and vectors, as for the sampled calls
      const ok = rows();
      const spec = (e: unknown): boolean => e instanceof TrainError && e.code === 'TRAIN_SPEC' && e.hint !== undefined;
      await assert.rejects(t.stepOn(p, ok, { lr: NaN }), (e: unknown) => spec(e) && /lr must be a finite number, got NaN/.test((e as Error).message));
      await assert.rejects(t.stepOn(p, ok, { kind: 'adam' } as unknown as { lr: number }), (e: unknown) => spec(e) && /kind must be 'sgd', 'admm' or 'prox', got "adam"/.test((e as Error).message));
      await assert.rejects(t.stepOn(p, ok, { kind: 'prox', lr: 0.1, l1: Infinity }), (e: unknown) => spec(e) && /l1 must be a finite number/.test((e as Error).message));
      await assert.rejects(t.stepOn(p, ok, { kind: 'admm', lr: 0.1, rho: 1, anchor: new Float32Array(5), dual: p }), (e: unknown) =>
        e instanceof TrainError && e.code === 'TRAIN_PARAMS' && /anchor must be a Float32Array of length/.test(e.message));
      await assert.rejects(t.stepOn(p, ok, undefined as unknown as { lr: number }), (e: unknown) => spec(e) && /options must be an object/.test((e as Error).message));
      // the sampled calls share the option checks and reject (never throw synchronously)
      await assert.rejects(t.sgd(p, { steps: 1, lr: NaN, batchSize: 4 }), spec);
      await assert.rejects(t.proxStep(p, { steps: 1, lr: 0.1, batchSize: 4, l1: NaN }), spec);
      await assert.rejects(t.admmStep(p, { steps: 1, lr: 0.1, batchSize: 4, rho: 1, anchor: p, dual: new Float32Array(2) }), (e: unknown) =>
        e instanceof TrainError && e.code === 'TRAIN_PARAMS' && /dual must be/.test(e.message));
      await assert.rejects(t.gradientOn(new Float32Array(3), ok), (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_PARAMS' && /length 3/.test(e.message));
      // a good batch still runs after the refusals
      assert.ok(Number.isFinite((await t.stepOn(p, ok, { lr: 0.1 })).loss));
    } finally {
      await t.close();
    }
    await assert.rejects(t.gradientOn(t.initParams(1), rows()), (e: unknown) => e instanceof TrainError && e.code === 'TRAIN_CLOSED');
  });
}

test('binary and regression models check labels against their own task', async () => {
  const { train: bc } = breastCancer();
  const n = 50;
  const r = new Rng(3);
  const x = Float32Array.from({ length: n * 3 }, () => r.normal());
  const reg: Dataset = { name: 'lin', n, features: 3, x, y: Float32Array.from({ length: n }, (_, i) => x[i * 3]! - 2 * x[i * 3 + 2]!), classes: 0 };
  const [tb, tr] = await Promise.all([
    createTrainer({ model: { kind: 'logistic' }, data: bc, seed: 1 }),
    createTrainer({ model: { kind: 'linear' }, data: reg, seed: 1 }),
  ]);
  try {
    // one chunk (≤ 1024 rows): gradientOn(all rows) is the full gradient bit for bit here too
    const pb = noise(tb.dim, 0.1, 4);
    const fullB = await tb.gradient(pb, { batchSize: 'full' });
    assert.ok(bc.n <= 1024);
    assert.deepEqual(await tb.gradientOn(pb, bc), fullB);
    const two = subset(bc, [0, 1]);
    assert.ok(Number.isFinite((await tb.stepOn(tb.initParams(1), two, { lr: 0.1 })).loss));
    await assert.rejects(tb.stepOn(tb.initParams(1), { ...two, y: Float32Array.of(0, 2) }, { lr: 0.1 }), /row 1 has label 2, outside 0…1/);
    // regression: any finite target is fine (here far outside any class range), NaN is not
    const big = { ...subset(reg, [0, 1]), y: Float32Array.of(123.5, -7) };
    const on = await tr.gradientOn(tr.initParams(1), big);
    assert.ok(Math.abs(on.loss - (123.5 ** 2 + 7 ** 2) / 2) < 1e-3, `mse ${on.loss}`); // zero init predicts 0
    await assert.rejects(tr.gradientOn(tr.initParams(1), { ...big, y: Float32Array.of(1, NaN) }), (e: unknown) =>
      e instanceof TrainError && /row 1 has target NaN/.test(e.message) && /non-finite targets/.test(e.hint ?? ''));
  } finally {
    await Promise.all([tb.close(), tr.close()]);
  }
});

test('worker and in-thread trainers give the same explicit-batch results bit for bit', async () => {
  const { train: tr } = digits();
  const spec = { model: { kind: 'lenet' }, data: tr, seed: 4 } as const;
  const [a, b] = await Promise.all([createTrainer(spec), createTrainer({ ...spec, worker: false })]);
  const run = async (t: Trainer): Promise<{ p: Float32Array; losses: number[]; g: Float32Array }> => {
    let p = t.initParams(2);
    const losses: number[] = [];
    const order = samplerOrder(tr.n, 99); // any pipeline's order
    for (const bs of [1, 7, 32, 200]) {
      const r = await t.stepOn(p, subset(tr, order.subarray(0, bs)), { lr: 0.05 });
      p = r.params;
      losses.push(r.loss);
    }
    const pr = await t.stepOn(p, subset(tr, order.subarray(200, 264)), { kind: 'prox', lr: 0.05, l1: 1e-3 });
    losses.push(pr.loss);
    const g = await t.gradientOn(pr.params, subset(tr, order.subarray(264, 364)));
    return { p: pr.params, losses, g: g.grad };
  };
  try {
    const [ra, rb] = [await run(a), await run(b)];
    assert.deepEqual(ra.p, rb.p);
    assert.deepEqual(ra.losses, rb.losses);
    assert.deepEqual(ra.g, rb.g);
    assert.notDeepEqual(ra.p, a.initParams(2), 'the steps moved the parameters');
    assert.ok(ra.losses.every(Number.isFinite));
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
