import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAlgorithm, leastSquaresOptimum, type Algorithm } from '@edgefl/algorithms';
import { lockstep } from '../../helpers/lockstep.js';
import { leastSquaresProblem, type LeastSquaresProblem } from '../../helpers/least-squares-problem.js';

async function gapAfter(algo: Algorithm, p: LeastSquaresProblem, rounds: number): Promise<number[]> {
  const opt = leastSquaresOptimum(p.train);
  const dim = p.train.features + 1;
  const data = new Map(p.shards);
  const r = await lockstep(algo, { dim, rounds, data });
  return r.models.map((m) => opt.gap(m));
}

const ctx = (devices: string[]) => ({ server: 'gateway', devices, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });

const SPECS = { gadmm: { name: 'gadmm' }, 'q-gadmm': { name: 'q-gadmm' }, 'gd (qgd, bits 32)': { name: 'qgd', bits: 32 }, 'qgd 2-bit': { name: 'qgd' } } as const;
for (const [name, rounds, target] of [['gadmm', 400, 1e-7], ['q-gadmm', 400, 1e-6], ['gd (qgd, bits 32)', 200, 1e-10], ['qgd 2-bit', 200, 1e-3]] as const) {
  test(`${name} reaches F − F* ≤ ${target} on a 4-worker chain within ${rounds} rounds`, async () => {
    const p = leastSquaresProblem(4);
    const gaps = await gapAfter(createAlgorithm(SPECS[name], ctx(p.devices)), p, rounds);
    const last = gaps[gaps.length - 1]!;
    assert.ok(last <= target, `${name}: gap ${last} after ${rounds} rounds`);
    assert.ok(gaps[0]! > last, 'the gap shrinks');
  });
}

test('odd N and the chain ends: 5 and 2 workers converge (ends solve with c = 1, interior with c = 2)', async () => {
  for (const n of [5, 2, 3]) {
    const p = leastSquaresProblem(n);
    const gaps = await gapAfter(createAlgorithm({ name: 'q-gadmm' }, ctx(p.devices)), p, 500);
    assert.ok(gaps[gaps.length - 1]! <= 1e-6, `N = ${n}: gap ${gaps[gaps.length - 1]}`);
  }
});

test('GADMM on an even ring (bipartite) converges; an odd ring is refused', async () => {
  const p = leastSquaresProblem(4);
  const algo = createAlgorithm({ name: 'gadmm' }, { ...ctx(p.devices), topology: { kind: 'ring' } });
  const gaps = await gapAfter(algo, p, 300);
  assert.ok(gaps[gaps.length - 1]! <= 1e-8, `ring: gap ${gaps[gaps.length - 1]}`);
  assert.throws(() => createAlgorithm({ name: 'gadmm' }, { ...ctx(leastSquaresProblem(5).devices), topology: { kind: 'ring' } }), /not bipartite/);
});

test('Q-GADMM and GADMM follow the same trajectory in rounds (2-bit quantization costs < 10 % more rounds to 1e-6)', async () => {
  const p = leastSquaresProblem(6);
  const q = await gapAfter(createAlgorithm({ name: 'q-gadmm' }, ctx(p.devices)), p, 600);
  const g = await gapAfter(createAlgorithm({ name: 'gadmm' }, ctx(p.devices)), p, 600);
  const first = (gs: number[]): number => gs.findIndex((x) => x <= 1e-6) + 1;
  assert.ok(first(g) > 0 && first(q) > 0, `both reach 1e-6: gadmm ${first(g)}, q-gadmm ${first(q)}`);
  assert.ok(first(q) <= 1.1 * first(g), `q-gadmm ${first(q)} rounds vs gadmm ${first(g)}`);
});

test('payload accounting: one transmission per peer per round, b·d + 64 bits for Q-GADMM, 32·d for GADMM, counted once for two receivers', async () => {
  const p = leastSquaresProblem(5);
  const d = p.train.features + 1;
  const rounds = 7;
  for (const [name, bits] of [['q-gadmm', 2 * d + 64], ['gadmm', 32 * d]] as const) {
    const r = await lockstep(createAlgorithm({ name }, ctx(p.devices)), { dim: d, rounds, data: new Map(p.shards) });
    assert.equal(r.transmissions, 5 * rounds);
    assert.equal(r.payloadBits, 5 * rounds * bits, name);
  }
  // GD: one float32 broadcast + one gradient per worker each round; QGD's gradients are 2d + 64
  for (const [bits, up] of [[32, 32 * d], [2, 2 * d + 64]] as const) {
    const r = await lockstep(createAlgorithm({ name: 'qgd', bits }, ctx(p.devices)), { dim: d, rounds, data: new Map(p.shards) });
    assert.equal(r.payloadBits, rounds * (32 * d + 5 * up), `qgd bits ${bits}`);
  }
});

test('q-gadmm declares peers and their senders (in-neighbours) for the gateway ACLs', () => {
  const algo = createAlgorithm({ name: 'q-gadmm' }, ctx(['a', 'b', 'c']));
  assert.deepEqual(algo.nodes.map((n) => n.role), ['peer', 'peer', 'peer']);
  assert.deepEqual(algo.senders?.('b'), ['a', 'c']);
  assert.deepEqual(algo.senders?.('a'), ['b']);
});

test("q-gadmm with bits: 'auto' (non-increasing quantization steps) converges like the fixed 2 bits", async () => {
  const p = leastSquaresProblem(4);
  const gaps = await gapAfter(createAlgorithm({ name: 'q-gadmm', bits: 'auto' }, ctx(p.devices)), p, 400);
  assert.ok(gaps[gaps.length - 1]! <= 1e-6, `gap ${gaps[gaps.length - 1]}`);
});

test('GADMM with inexact local steps (solver: steps, through the learner) still drives the peers to consensus', async () => {
  // f_n(θ) = ½‖θ − c_n‖² through the closed-form test learner: the optimum of Σ f_n is the mean of the c_n
  const { quadraticLearner } = await import('../../helpers/quadratic-learner.js');
  const { Rng, nullLog } = await import('@edgefl/core');
  const centers = [[1, 2], [3, -2], [-1, 0], [5, 4], [2, 1]].map((c) => Float32Array.from(c));
  const devices = centers.map((_, i) => `p${i}`);
  const algo = createAlgorithm({ name: 'gadmm', solver: 'steps', localSteps: 50, lr: 0.2 }, ctx(devices));
  const nodes = algo.nodes.map((spec, i) => algo.createNode({ spec, rng: new Rng(i), dim: 2, initialParams: new Float32Array(2), log: nullLog, learner: quadraticLearner(centers[i]!) }));
  const inbox = new Map<string, import('@edgefl/algorithms').Inbound[]>(devices.map((d) => [d, []]));
  for (let round = 1; round <= 300; round++) {
    for (let phase = 0; phase < 3; phase++) {
      for (const node of nodes) {
        const keys = node.expects(round, phase);
        if (keys === null) continue;
        const got = inbox.get(node.spec.id)!.filter((m) => keys.some((k) => k.from === m.from && k.round === m.round && k.phase === m.phase));
        for (const out of await node.act(round, phase, got)) for (const to of out.to) inbox.get(to)!.push({ from: node.spec.id, round, phase, codec: out.codec, dim: out.dim, body: out.body, payloadBits: out.payloadBits });
      }
    }
  }
  for (const node of nodes) {
    const m = node.model();
    assert.ok(Math.abs(m[0]! - 2) < 1e-3 && Math.abs(m[1]! - 1) < 1e-3, `${node.spec.id}: ${[...m]}`);
  }
});
