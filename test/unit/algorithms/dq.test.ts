import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, type Dataset } from '@edgefl/core';
import { syntheticLeastSquares } from '@edgefl/data';
import {
  AlgorithmError, LeastSquares, RangeSchedule, contractionBound, createAlgorithm, dqAlgorithm, fitContraction, methodConstants, type DqOptions,
} from '@edgefl/algorithms';
import { roundRates, waterFill, type CodecSpec } from '@edgefl/codec';
import { runDirect } from '../../helpers/direct-run.js';

const N = 16;
const KAPPA = 10;
const problem = (seed: number): Dataset => syntheticLeastSquares({ synthetic: 'least-squares', rows: 64, features: N, kappa: KAPPA, seed });
const opts = (o: Partial<DqOptions> & Pick<DqOptions, 'method' | 'quant'>): DqOptions => ({ bits: 8, start: 'gaussian', alpha: 0, seed: 5, ...o });

async function run(name: string, o: DqOptions, data: Dataset, rounds = 300) {
  return runDirect(dqAlgorithm(name, 'gw', ['w1'], o), { rounds, dim: N + 1, shards: new Map([['w1', data]]) });
}

test('least squares: L, μ are the extreme eigenvalues of AᵀA ([1, κ] for the synthetic problem) and x* zeroes the gradient', () => {
  const ls = new LeastSquares(problem(1));
  assert.ok(Math.abs(ls.smoothness - KAPPA) < 1e-4, `L = ${ls.smoothness}`);
  assert.ok(Math.abs(ls.strongConvexity - 1) < 1e-5, `μ = ${ls.strongConvexity}`);
  const g = ls.gradient(ls.optimum, new Float64Array(N));
  assert.ok(Math.hypot(...g) < 1e-9);
  assert.equal(ls.gap(ls.optimum), 0);
});

test('DQ-GD range recursion (22) is the geometric sum (92): r_t = L·D·Σ_τ σ^τ (ρ2^−R)^{t−τ}', () => {
  const c = methodConstants('gd', 10, 1);
  const L = 10, D = 3, R = 4, rho = Math.sqrt(N);
  const s = new RangeSchedule('gd', 'dq', c, L, 1, D, rho, R, 0, 0);
  const a = rho * 2 ** -R;
  for (let t = 0; t < 30; t++) {
    let want = 0;
    for (let tau = 0; tau <= t; tau++) want += c.sigma ** tau * a ** (t - tau);
    want *= L * D;
    assert.ok(Math.abs(s.current() - want) <= 1e-12 * want, `t = ${t}: ${s.current()} vs ${want}`);
    s.advance();
  }
  // escalation doubles D: every range doubles
  const before = s.current();
  s.escalate(1);
  assert.equal(s.current(), 2 * before);
});

test('DQ-GD on a small instance contracts within its bound max(σ_GD, √n·2^−R), at σ_GD above the threshold, with no overload', async () => {
  const sigma = (KAPPA - 1) / (KAPPA + 1);
  for (const R of [3, 4, 6]) {
    const r = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: R }), problem(2));
    const bound = r.totals['contractionBound']!;
    const got = r.totals['contractionFactor']!;
    assert.ok(Math.abs(bound - Math.max(sigma, Math.sqrt(N) * 2 ** -R)) < 1e-3, `bound ${bound}`);
    assert.ok(got <= bound * 1.005, `R=${R}: contraction ${got} above bound ${bound}`);
    assert.ok(Math.abs(got - sigma) < 0.05 * sigma, `R=${R}: contraction ${got} not within 5 % of σ_GD ${sigma}`);
    assert.equal(r.totals['overloads'], 0);
    // the objective gap falls to machine precision
    assert.ok(r.rounds.at(-1)!['objectiveGap']! < 1e-20, `final gap ${r.rounds.at(-1)!['objectiveGap']}`);
  }
});

test('below the threshold DQ-GD contracts at √n·2^−R (not at σ_GD), and NQ-GD is strictly worse than DQ-GD', async () => {
  const dq = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: 5 }), problem(3));
  const nq = await run('nq-gd', opts({ method: 'gd', quant: 'nq', bits: 5 }), problem(3));
  assert.ok(nq.totals['contractionFactor']! > dq.totals['contractionFactor']! + 0.1, `NQ ${nq.totals['contractionFactor']} vs DQ ${dq.totals['contractionFactor']}`);
  assert.ok(nq.totals['contractionFactor']! <= nq.totals['contractionBound']! * 1.005);
  const dq2 = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: 2 }), problem(3), 60);
  assert.ok(Math.abs(dq2.totals['contractionFactor']! - 1) < 0.02, `R=2: √16·2^−2 = 1, got ${dq2.totals['contractionFactor']}`);
});

test('DQ-GD at R = 32 is gradient descent: the same iterates to float32 precision and the same contraction', async () => {
  const data = problem(4);
  const dq = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: 32 }), data, 40);
  const gd = await run('gd', opts({ method: 'gd', quant: 'none' }), data, 40);
  for (let t = 0; t < 40; t++) {
    const a = dq.models[t]!, b = gd.models[t]!;
    for (let i = 0; i < N; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)), `round ${t + 1} coord ${i}: ${a[i]} vs ${b[i]}`);
  }
  assert.ok(Math.abs(dq.totals['contractionFactor']! - gd.totals['contractionFactor']!) < 1e-3);
});

test('DQ-HB reaches heavy ball\'s contraction above its threshold; DQ-AGD stays within its bound', async () => {
  const data = problem(5);
  const hb = await run('hb', opts({ method: 'hb', quant: 'none' }), data);
  const dqhb = await run('dq-hb', opts({ method: 'hb', quant: 'dq', bits: 6 }), data);
  assert.ok(Math.abs(dqhb.totals['contractionFactor']! - hb.totals['contractionFactor']!) < 0.01, `${dqhb.totals['contractionFactor']} vs HB ${hb.totals['contractionFactor']}`);
  const sk = Math.sqrt(KAPPA);
  assert.ok(hb.totals['contractionFactor']! < (sk - 1) / (sk + 1) * 1.08, 'HB near σ_HB');
  const dqagd = await run('dq-agd', opts({ method: 'agd', quant: 'dq', bits: 6 }), data);
  assert.ok(dqagd.totals['contractionFactor']! <= dqagd.totals['contractionBound']! * 1.005);
});

test('range overload (D assumed too small) is detected, counted and handled by doubling D on both ends: the run still converges at its rate', async () => {
  const data = problem(6);
  const honest = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: 6 }), data);
  const tight = await run('dq-gd', opts({ method: 'gd', quant: 'dq', bits: 6, radius: 1e-3 }), data);
  assert.equal(honest.totals['overloads'], 0);
  assert.ok(tight.totals['overloads']! > 0, 'overload counted');
  assert.ok(tight.totals['rangeEscalations']! >= 1);
  assert.ok(tight.rounds[0]!['overloads']! > 0, 'first iteration overloads');
  assert.ok(tight.totals['contractionFactor']! <= tight.totals['contractionBound']! * 1.01, `${tight.totals['contractionFactor']}`);
  assert.ok(tight.rounds.at(-1)!['distance']! < 1e-9, 'converged');
});

test('K-worker NQ-GD: water-filling splits R by the workers\' L_k (Σ R_k = R) and the run contracts within (177)', async () => {
  // interpolation setting (61): both shards share x* exactly (small integers, so y is exact
  // in float32), with different smoothness (the second shard's A is scaled by 1/4)
  const rng = new Rng(9);
  const xStar = Float64Array.from({ length: 8 }, () => rng.int(7) - 3);
  const shard = (rows: number, scale: number): Dataset => {
    const x = Float32Array.from({ length: rows * 8 }, () => scale * (rng.int(9) - 4));
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) { let s = 0; for (let j = 0; j < 8; j++) s += x[r * 8 + j]! * xStar[j]!; y[r] = s; }
    return { name: 's', n: rows, features: 8, x, y, classes: 0 };
  };
  const shards = new Map([['w1', shard(40, 1)], ['w2', shard(40, 0.25)]]);
  const alg = dqAlgorithm('nq-gd', 'gw', ['w1', 'w2'], opts({ method: 'gd', quant: 'nq', bits: 16 }));
  const r = await runDirect(alg, { rounds: 2000, dim: 9, shards });
  const L1 = new LeastSquares(shards.get('w1')!).smoothness;
  const L2 = new LeastSquares(shards.get('w2')!).smoothness;
  assert.ok(L1 > 8 * L2);
  // w1 got more bits than w2: R_1 − R_2 ≈ log2(L1/L2)
  const bits1 = roundRates(waterFill([L1, L2], 16).bits, 16);
  assert.equal(bits1[0]! + bits1[1]!, 16);
  assert.ok(bits1[0]! > bits1[1]!);
  assert.ok(r.totals['contractionFactor']! <= r.totals['contractionBound']! * 1.005, `${r.totals['contractionFactor']} vs ${r.totals['contractionBound']}`);
  assert.ok(r.rounds.at(-1)!['distance']! < 1e-8);
  assert.equal(r.totals['overloads'], 0);
});

test('bad parameters are refused with AlgorithmError: R < 1, R > 32, κ < 1, DQ with K > 1', () => {
  const ctx = { server: 'gw', devices: ['w1'], codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 };
  const refuse = (spec: Record<string, unknown>, devices = ['w1'], re: RegExp) => assert.throws(
    () => createAlgorithm({ name: spec['name'] as string, ...spec }, { ...ctx, devices }), (e: unknown) => e instanceof AlgorithmError && re.test(e.message), JSON.stringify(spec));
  refuse({ name: 'dq-gd', bits: 0 }, undefined, /bits/);
  refuse({ name: 'nq-gd', bits: 33 }, undefined, /bits/);
  refuse({ name: 'dq-hb', bits: 2.5 }, undefined, /bits/);
  refuse({ name: 'dq-gd', smoothness: 1, strongConvexity: 2 }, undefined, /κ = L\/μ < 1/);
  refuse({ name: 'gd', radius: -1 }, undefined, /radius/);
  refuse({ name: 'dq-agd', bits: 4 }, ['w1', 'w2'], /one worker/);
  refuse({ name: 'gd', bits: 4 }, undefined, /bits/); // unquantized methods take no rate
  assert.ok(createAlgorithm({ name: 'nq-gd', bits: 4 }, { ...ctx, devices: ['w1', 'w2'] }));
  assert.throws(() => new LeastSquares({ name: 'c', n: 10, features: 2, x: new Float32Array(20), y: new Float32Array(10), classes: 3 }), AlgorithmError);
  assert.throws(() => new LeastSquares({ name: 'w', n: 1, features: 2, x: new Float32Array(2), y: new Float32Array(1), classes: 0 }), /cannot make/);
});

test('a hostile gradient message (absurd escalation, garbage body) skips the iteration instead of crashing the server', async () => {
  const data = problem(7);
  const alg = dqAlgorithm('dq-gd', 'gw', ['w1'], opts({ method: 'gd', quant: 'dq', bits: 4 }));
  const log = (await import('@edgefl/core')).nullLog;
  const server = alg.createNode({ spec: { id: 'gw', role: 'server' }, rng: new Rng(1), dim: N + 1, initialParams: new Float32Array(N + 1), log });
  const worker = alg.createNode({ spec: { id: 'w1', role: 'worker' }, rng: new Rng(2), dim: N + 1, initialParams: new Float32Array(N + 1), log, data });
  const toIn = (from: string, round: number, phase: number, o: { codec: CodecSpec; dim: number; body: Uint8Array; payloadBits: number; meta?: Readonly<Record<string, number>> }) => ({ from, round, phase, ...o });
  const [ann] = await worker.act(1, 0, []);
  await server.act(1, 1, [toIn('w1', 1, 0, ann!)]);
  const x0 = Float32Array.from(server.model());
  await server.act(1, 3, [toIn('w1', 1, 2, { codec: { id: 'dq', bits: 4 }, dim: N + 1, body: new Uint8Array(8), payloadBits: 64, meta: { escalation: 1e9 } })]);
  assert.deepEqual(server.model(), x0);
  await server.act(2, 3, [toIn('w1', 2, 2, { codec: { id: 'dq', bits: 4 }, dim: N + 1, body: new Uint8Array(3), payloadBits: 24 })]);
  assert.deepEqual(server.model(), x0);
  await server.act(3, 1, []);
});

test('fitContraction: the slope of log-distance over the second half of the descent', () => {
  const d = Array.from({ length: 200 }, (_, t) => 5 * 0.7 ** t * (1 + 0.5 * 0.3 ** t));
  assert.ok(Math.abs(fitContraction(d)! - 0.7) < 1e-6);
  assert.equal(fitContraction([1]), null);
  const grow = Array.from({ length: 50 }, (_, t) => 1.2 ** t);
  assert.ok(Math.abs(fitContraction(grow)! - 1.2) < 1e-9);
  assert.ok(Math.abs(contractionBound('gd', 'nq', methodConstants('gd', 10, 1), 16, 6, [10], [6]) - (9 / 11 + (20 / 11) * 4 / 64)) < 1e-12);
});

test('gd takes a step size (lr: auto = 1/L, or a number) and can fit the linear model\'s bias', async () => {
  const data = problem(8);
  const auto = await run('gd', { ...opts({ method: 'gd', quant: 'none' }), lr: 'auto' }, data, 400);
  // GD at η = 1/L contracts at 1 − μ/L = 1 − 1/κ
  assert.ok(Math.abs(auto.totals['contractionBound']! - (1 - 1 / KAPPA)) < 1e-3, `${auto.totals['contractionBound']}`);
  assert.ok(Math.abs(auto.totals['contractionFactor']! - (1 - 1 / KAPPA)) < 0.01, `${auto.totals['contractionFactor']}`);
  // targets with an offset: only the bias-fitting run reaches the optimum of ½‖y − Aw − b‖²
  const shifted: Dataset = { ...data, y: data.y.map((v) => v + 3) };
  const withBias = await run('gd', { ...opts({ method: 'gd', quant: 'none' }), bias: true }, shifted, 1500);
  assert.ok(withBias.rounds.at(-1)!['objectiveGap']! < 1e-12 * withBias.rounds[0]!['objectiveGap']!, `gap ${withBias.rounds.at(-1)!['objectiveGap']}`);
  const b = withBias.models.at(-1)![N]!;
  const exact = new LeastSquares(shifted, true).optimum[N]!;
  assert.ok(Math.abs(b - exact) < 1e-5, `bias ${b} vs ${exact}`);
  assert.ok(Math.abs(exact) > 0.5, 'the offset moved the optimal bias');
});
