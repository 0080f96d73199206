import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, Rng } from '@edgefl/core';
import { createCompressor } from '@edgefl/codec';
import { AlgorithmError, createAlgorithm, type Inbound, type LocalLearner, type NodeMachine } from '@edgefl/algorithms';
import { MemoryNetwork, RoundTracker, createJob, nodeEnv, runNode } from '@edgefl/runtime';
import { parseExperimentConfig } from '@edgefl/config';
import { quadraticLearner } from '../../helpers/quadratic-learner.js';

const f32 = { id: 'float32' };
const ctx = (devices: string[]) => ({ server: 'gateway', devices, codecs: { up: f32, down: f32 }, seed: 1 });

function node(alg: ReturnType<typeof createAlgorithm>, id: string, init: Float32Array, learner?: LocalLearner): NodeMachine {
  const spec = alg.nodes.find((n) => n.id === id)!;
  return alg.createNode({ spec, rng: new Rng(id), dim: init.length, initialParams: init, log: nullLog, ...(learner ? { learner } : {}) });
}

/** A float32 message; its body is the raw little-endian floats, so NaN can be written as a hostile sender would. */
function inbound(from: string, round: number, v: number[]): Inbound {
  const body = new Uint8Array(Float32Array.from(v).buffer);
  return { from, round, phase: 1, codec: f32, dim: v.length, body, payloadBits: 32 * v.length };
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test('local-SADMM server: Θ = soft(ρΣv, β)/(ρN) with the sign of the sum (hand-computed, eq. 13)', async () => {
  const alg = createAlgorithm({ name: 'local-sadmm', rho: 1, beta: 0.5 }, ctx(['a', 'b']));
  const server = node(alg, 'gateway', new Float32Array(2));
  await server.act(1, 0, []);
  await server.act(1, 2, [inbound('a', 1, [1, -2]), inbound('b', 1, [2, 0.2])]);
  // ρΣv = [3, −1.8] → soft(·, 0.5) = [2.5, −1.3] → /(ρN = 2)
  close(server.model(), [1.25, -0.65]);
  // ρ = 2: soft([6, −3.6], 0.5)/(4) = [1.375, −0.775]
  const alg2 = createAlgorithm({ name: 'local-sadmm', rho: 2, beta: 0.5 }, ctx(['a', 'b']));
  const s2 = node(alg2, 'gateway', new Float32Array(2));
  await s2.act(1, 2, [inbound('a', 1, [1, -2]), inbound('b', 1, [2, 0.2])]);
  close(s2.model(), [1.375, -0.775]);
});

test('local-SADMM server: a worker that misses the deadline keeps its last v in the sum; a non-finite update is refused the same way', async () => {
  const alg = createAlgorithm({ name: 'local-sadmm', rho: 1, beta: 0 }, ctx(['a', 'b']));
  const init = Float32Array.from([4, 4]);
  const server = node(alg, 'gateway', init);
  // Round 1: only a answers; b's v is still Θ⁰ = [4, 4].
  await server.act(1, 2, [inbound('a', 1, [0, 2])]);
  close(server.model(), [2, 3]);
  // Round 2: b answers, a is silent (keeps [0, 2]).
  await server.act(2, 2, [inbound('b', 2, [2, 2])]);
  close(server.model(), [1, 2]);
  // Round 3: a sends NaN — refused, its last v stays.
  await server.act(3, 2, [inbound('a', 3, [Number.NaN, 1])]);
  close(server.model(), [1, 2]);
});

test('local-SADMM worker: T augmented steps from Θ, upload θ + λ/ρ, dual ascent with the next Θ (closed form on a quadratic)', async () => {
  const c = Float32Array.from([1, -1]);
  const alg = createAlgorithm({ name: 'local-sadmm', localSteps: 3, lr: 0.1, rho: 2, beta: 0 }, ctx(['a']));
  const worker = node(alg, 'a', new Float32Array(2), quadraticLearner(c));
  const down = (round: number, v: number[]): Inbound => ({ ...inbound('gateway', round, v), phase: 0 });
  const decode = (out: readonly { body: Uint8Array }[]): Float32Array => createCompressor(f32).decode(out[0]!.body, 2, undefined);
  // Round 1, Θ¹ = [0.5, 0.5], λ = 0: θ_{t+1} = θ_t − α(θ_t − c + ρ(θ_t − Θ)) from θ_0 = Θ.
  const theta = (start: number[], anchor: number[], lambda: number[]): number[] => {
    let t = [...start];
    for (let s = 0; s < 3; s++) t = t.map((x, i) => x - 0.1 * (x - c[i]! + lambda[i]! + 2 * (x - anchor[i]!)));
    return t;
  };
  const t1 = theta([0.5, 0.5], [0.5, 0.5], [0, 0]);
  close(decode(await worker.act(1, 1, [down(1, [0.5, 0.5])])), t1, 1e-6);
  // Round 2, Θ² = [0, 1]: λ = ρ(θ¹ − Θ²), then T steps from Θ², upload θ² + λ/ρ.
  const lambda = t1.map((x, i) => 2 * (x - [0, 1][i]!));
  const t2 = theta([0, 1], [0, 1], lambda);
  close(decode(await worker.act(2, 1, [down(2, [0, 1])])), t2.map((x, i) => x + lambda[i]! / 2), 1e-5);
});

test('STOC-ADMM is one step of size 1/(ρ + η) from the worker\'s own model (eq. 9); bad parameters are refused', async () => {
  const c = Float32Array.from([3]);
  const alg = createAlgorithm({ name: 'stoc-admm', eta: 3, rho: 1, beta: 0 }, ctx(['a']));
  const worker = node(alg, 'a', Float32Array.from([1]), quadraticLearner(c));
  const down = (round: number, v: number[]): Inbound => ({ ...inbound('gateway', round, v), phase: 0 });
  const decode = (out: readonly { body: Uint8Array }[]): number => createCompressor(f32).decode(out[0]!.body, 1, undefined)[0]!;
  // θ⁰ = 1 (own), Θ¹ = 2, λ = 0: θ¹ = 1 − (0 + (1 − 3) + 1·(1 − 2))/(1 + 3) = 1.75
  assert.ok(Math.abs(decode(await worker.act(1, 1, [down(1, [2])])) - 1.75) < 1e-6);
  // Round 2, Θ² = 1: λ = 1·(1.75 − 1) = 0.75; θ² = 1.75 − (0.75 + (1.75 − 3) + (1.75 − 1))/4 = 1.6875; v = θ² + λ/ρ = 2.4375
  assert.ok(Math.abs(decode(await worker.act(2, 1, [down(2, [1])])) - 2.4375) < 1e-6);
  // with eta absent, the step is lr (η = 1/lr − ρ must be > 0)
  assert.throws(() => createAlgorithm({ name: 'stoc-admm', lr: 2, rho: 1 }, ctx(['a'])), (e: unknown) => e instanceof AlgorithmError && /η/.test(e.message));
  for (const bad of [{ rho: 0 }, { rho: -1 }, { localSteps: 0 }, { beta: -0.1 }, { lr: 0 }, { batchSize: 0 }]) {
    assert.throws(() => createAlgorithm({ name: 'local-sadmm', ...bad }, ctx(['a'])), AlgorithmError, JSON.stringify(bad));
  }
  assert.throws(() => createAlgorithm({ name: 'stoc-admm', localSteps: 5 }, ctx(['a'])), AlgorithmError);
});

async function stragglerRun(slow: 'never' | 'late'): Promise<number[]> {
  const cfg = parseExperimentConfig({
    job: 'sadmm-straggler', rounds: 3, fleet: { devices: 2 }, transport: { roundTimeoutMs: 200 },
    algorithm: { name: 'local-sadmm', localSteps: 1, lr: 0.5, rho: 1, beta: 0, batchSize: 1 }, codec: { up: f32, down: f32 },
  });
  const job = createJob(cfg);
  const dim = 1;
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: { dim, maxBytes: 1 << 20, phases: 3 }, log: nullLog });
  const running = slow === 'never' ? [job.server, 'dev-01'] : [job.server, 'dev-01', 'dev-02'];
  const models: number[] = [];
  const tracker = new RoundTracker(running, (_r, m) => models.push(m.get(job.server)![0]!));
  net.port(job.algorithm.nodes.find((n) => n.id === 'dev-02')!);
  const run = (id: string) => {
    const spec = job.algorithm.nodes.find((n) => n.id === id)!;
    const base = quadraticLearner(Float32Array.from([10]));
    // dev-02 answers round 1 only after the server's deadline (late), then on time.
    let calls = 0;
    const late: LocalLearner = { ...base, admmStep: async (p, o) => { if (calls++ === 0) await new Promise((r) => setTimeout(r, 300)); return base.admmStep(p, o); } };
    const learner = id === job.server ? {} : { learner: id === 'dev-02' ? late : base };
    const n = job.algorithm.createNode(nodeEnv(job, spec, { dim, initialParams: new Float32Array(dim), log: nullLog, ...learner }));
    return runNode(n, net.port(spec), { rounds: cfg.rounds, phases: 3, phaseTimeoutMs: 200, log: nullLog, onRoundEnd: tracker.hook(id) });
  };
  await Promise.all(running.map(run));
  return models;
}

test('local-SADMM in the memory driver: a worker that never answers stays in the sum at Θ⁰ and the job still finishes', async () => {
  // Hand-run: dev-02's v stays 0. Round 1: θ = 0 − 0.5(0 − 10) = 5, v = 5 → Θ = (5 + 0)/2 = 2.5.
  // Round 2: λ = 5 − 2.5 = 2.5; θ = 2.5 − 0.5(2.5 − 10 + 2.5 + 0) = 5; v = 7.5 → Θ = 3.75.
  // Round 3: λ = 2.5 + (5 − 3.75) = 3.75; θ = 3.75 − 0.5(3.75 − 10 + 3.75) = 5; v = 8.75 → Θ = 4.375.
  close(await stragglerRun('never'), [2.5, 3.75, 4.375], 1e-5);
});

test('local-SADMM in the memory driver: a late answer misses its round (the old v stays) and counts again once on time', async () => {
  const models = await stragglerRun('late');
  assert.equal(models.length, 3);
  // Round 1 is the never-answers value: dev-02's late v is not in Θ¹.
  close(models.slice(0, 1), [2.5], 1e-5);
  // Later rounds include dev-02 again, so Θ moves past the one-worker trajectory.
  assert.ok(models[2]! > 4.375 + 0.1, `Θ³ = ${models[2]}`);
});
