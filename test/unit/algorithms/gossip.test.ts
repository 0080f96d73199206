import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { createAlgorithm, GossipNode, type NodeMachine } from '@edgefl/algorithms';
import { lockstep } from '../../helpers/lockstep.js';
import { noisyQuadraticLearner } from '../../helpers/noisy-quadratic-learner.js';

/**
 * The gossip family (MALCOM-PSGD, CHOCO-SGD with QSGD / the MALCOM coder, D-PSGD) on a
 * noisy quadratic, transport-free: replicas y_j agree bit for bit between sender and every
 * receiver over thousands of iterations with lost deliveries (repaired by keyframes), and
 * each algorithm reaches the consensus optimum soft(mean c_i, μ) to a stated tolerance.
 */
const N = 6, D = 24;
const devices = Array.from({ length: N }, (_, i) => `p${i + 1}`);
const centres = devices.map((_, i) => { const r = new Rng(`centre/${i}`); return Float32Array.from({ length: D }, () => 2 * r.normal()); });
const ctx = (topology: { kind: 'ring-like' } | { kind: 'complete' } | { kind: 'ring' }) => ({ server: 'gateway', devices, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1, topology });
const learner = (id: string) => noisyQuadraticLearner(centres[devices.indexOf(id)]!, `noise/${id}`, 0.01);

function optimum(mu: number): Float32Array {
  const out = new Float32Array(D);
  for (let i = 0; i < D; i++) {
    let s = 0;
    for (const c of centres) s += c[i]!;
    const m = s / N;
    out[i] = Math.sign(m) * Math.max(0, Math.abs(m) - mu);
  }
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!));
  return w;
}

/** Every receiver that is not awaiting a keyframe holds exactly the sender's own replica. */
function checkReplicas(nodes: ReadonlyMap<string, NodeMachine>, neighbours: (id: string) => readonly string[], round: number): number {
  let stale = 0;
  for (const [j, sender] of nodes) {
    const own = (sender as GossipNode).replicaOf(j);
    for (const i of neighbours(j)) {
      const recv = nodes.get(i) as GossipNode;
      if (recv.awaits(j)) { stale++; continue; }
      const y = recv.replicaOf(j);
      for (let k = 0; k < D; k++) {
        if (!Object.is(y[k], own[k])) assert.fail(`round ${round}: ${i}'s replica of ${j} differs at ${k}: ${y[k]} vs ${own[k]}`);
      }
    }
  }
  return stale;
}

const SPECS = {
  'malcom-psgd': { name: 'malcom-psgd', lr: 0.05, l1: 0.2 },
  'choco-malcom': { name: 'choco-malcom', lr: 0.05 },
  'choco-qsgd': { name: 'choco-qsgd', lr: 0.05, gamma: 0.5 },
  'd-psgd': { name: 'd-psgd', lr: 0.05 },
} as const;

for (const name of Object.keys(SPECS) as (keyof typeof SPECS)[]) {
  test(`${name}: replicas identical at sender and receivers over 2000 iterations with lost deliveries and keyframe resync`, async () => {
    const algo = createAlgorithm(SPECS[name], ctx({ kind: 'ring-like' }));
    const drops = new Rng(`drops/${name}`);
    let dropped = 0, staleSeen = 0;
    const r = await lockstep(algo, {
      dim: D, rounds: 2000, learner,
      // ~1 % of deliveries lost, none in the last 50 rounds (so every link is repaired by the end)
      drop: ({ round }) => { const hit = round < 1950 && drops.next() < 0.01; if (hit) dropped++; return hit; },
      onRound: (round, nodes) => { staleSeen += checkReplicas(nodes, (id) => algo.senders!(id), round); },
    });
    assert.ok(dropped > 30, `deliveries lost: ${dropped}`);
    assert.ok(staleSeen > 0, 'some receivers were out of sync and waited for a keyframe');
    assert.equal(checkReplicas(r.nodes, (id) => algo.senders!(id), 2000), 0, 'every link back in sync at the end');
    let keyframes = 0;
    for (const n of r.nodes.values()) keyframes += n.metrics!()['keyframes'] ?? 0;
    assert.ok(keyframes > 0 && keyframes <= dropped, `keyframes ${keyframes} for ${dropped} drops`);
    const gap = maxAbsDiff(r.models[r.models.length - 1]!, optimum(name === 'malcom-psgd' ? 0.2 : 0));
    assert.ok(gap < 0.1, `${name} still converges despite the losses: ‖x̄ − x*‖∞ = ${gap}`);
  });
}

/**
 * x̄ follows the average of the local steps whatever the compression (W is doubly stochastic),
 * so D-PSGD and both CHOCO variants land on mean c_i; MALCOM-PSGD's local proximal step lands
 * near soft(mean c_i, μ) (its local prox on heterogeneous data biases it slightly), 0.2 away
 * from the plain mean. Compression shows in the spread max_i ‖x_i − x̄‖∞.
 */
for (const [name, topology, gapTol, spreadTol] of [
  ['malcom-psgd', 'ring-like', 0.1, 0.1], ['choco-malcom', 'ring-like', 0.01, 0.1], ['choco-qsgd', 'ring-like', 0.01, 0.5], ['d-psgd', 'ring-like', 0.01, 0.1],
  ['malcom-psgd', 'complete', 0.1, 0.01], ['choco-qsgd', 'complete', 0.01, 0.5], ['malcom-psgd', 'ring', 0.15, 0.3],
] as const) {
  test(`${name} on a ${topology} graph of ${N} peers: ‖x̄ − x*‖∞ ≤ ${gapTol} and peers within ${spreadTol} of x̄ after 400 rounds`, async () => {
    const algo = createAlgorithm(SPECS[name], ctx({ kind: topology }));
    const r = await lockstep(algo, { dim: D, rounds: 400, learner });
    const x = r.models[r.models.length - 1]!;
    const mu = name === 'malcom-psgd' ? 0.2 : 0;
    const gap = maxAbsDiff(x, optimum(mu));
    assert.ok(gap <= gapTol, `gap ${gap}`);
    assert.ok(maxAbsDiff(x, optimum(0.2 - mu)) > gap + 0.05, 'closer to its own optimum than to the other');
    assert.ok(maxAbsDiff(r.models[0]!, optimum(mu)) > 1, 'it started far away');
    let spread = 0;
    for (const n of r.nodes.values()) spread = Math.max(spread, maxAbsDiff(n.model(), x));
    assert.ok(spread <= spreadTol, `spread ${spread}`);
  });
}

test('a stateful codec is refused for gossip, and the parameters are checked', () => {
  assert.throws(() => createAlgorithm({ name: 'malcom-psgd', levels: 0 }, ctx({ kind: 'ring' })), /levels/);
  assert.throws(() => createAlgorithm({ name: 'choco-qsgd', gamma: 2 }, ctx({ kind: 'ring' })), /gamma/);
  assert.throws(() => createAlgorithm({ name: 'd-psgd', levels: 8 }, ctx({ kind: 'ring' })), /levels/);
});
