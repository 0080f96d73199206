import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, Rng, type Dataset } from '@edgefl/core';
import { createAlgorithm, leastSquaresOptimum, PeerChannels, type Algorithm, type Inbound, type NodeMachine } from '@edgefl/algorithms';
import { lockstep } from '../../helpers/lockstep.js';
import { leastSquaresProblem } from '../../helpers/least-squares-problem.js';

const links = (n: NodeMachine): PeerChannels => (n as unknown as { links: PeerChannels }).links;

/** Q-GADMM (float32 links) on a 5-worker chain over the shared least-squares problem. */
function qGadmmChain(): { algo: Algorithm; train: Dataset; data: Map<string, Dataset> } {
  const p = leastSquaresProblem(5);
  const algo = createAlgorithm({ name: 'q-gadmm' }, { server: 'gateway', devices: p.devices, codecs: { up: { id: 'float32' }, down: { id: 'float32' } }, seed: 1 });
  return { algo, train: p.train, data: p.shards };
}

/** Every node's reference of each peer it hears is that peer's own reference, bit for bit. */
function referencesAgree(algo: Algorithm, nodes: ReadonlyMap<string, NodeMachine>): boolean {
  for (const [id, node] of nodes) {
    for (const peer of algo.senders!(id)) {
      const a = links(node).reference(peer), b = links(nodes.get(peer)!).ownReference();
      if (a.some((x, i) => x !== b[i])) return false;
    }
  }
  return true;
}

function chain(n: number): (id: string) => string[] {
  const ids = Array.from({ length: n }, (_, i) => `p${i}`);
  return (id) => { const i = ids.indexOf(id); return [ids[i - 1], ids[i + 1]].filter((x): x is string => x !== undefined); };
}

function msg(from: string, tx: { codec: Inbound['codec']; dim: number; body: Uint8Array; payloadBits: number; meta?: Readonly<Record<string, number>> }, round: number): Inbound {
  return { from, round, phase: 0, codec: tx.codec, dim: tx.dim, body: tx.body, payloadBits: tx.payloadBits, ...(tx.meta ? { meta: tx.meta } : {}) };
}

test('sender and receiver references stay bit-identical over 5,000 Q-GADMM messages without drops', () => {
  const senders = chain(3);
  const mk = (self: string) => new PeerChannels({ self, senders: senders(self), sendersOf: senders, codec: { id: 'qgadmm', bits: 2 }, dim: 50, log: nullLog });
  const mid = mk('p1'), left = mk('p0'), right = mk('p2');
  const rng = new Rng(5), data = new Rng(6);
  const v = new Float32Array(50);
  for (let k = 1; k <= 5000; k++) {
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * 0.99 + data.normal() * 0.1;
    const tx = mid.encode(v, rng);
    assert.equal(tx.keyframe, false);
    left.receive('p1', msg('p1', tx, k));
    right.receive('p1', msg('p1', tx, k));
    const own = mid.ownReference();
    assert.deepEqual(left.reference('p1'), own);
    assert.deepEqual(right.reference('p1'), own);
  }
});

test('a missed message makes the receiver ask for a keyframe, which re-synchronises it and is counted in payload bits', () => {
  const senders = chain(3);
  const mk = (self: string) => new PeerChannels({ self, senders: senders(self), sendersOf: senders, codec: { id: 'qgadmm', bits: 2 }, dim: 20, log: nullLog });
  const mid = mk('p1'), left = mk('p0');
  const rng = new Rng(1);
  const v = Float32Array.from({ length: 20 }, (_, i) => i / 10);
  left.receive('p1', msg('p1', mid.encode(v, rng), 1));
  mid.encode(v.map((x) => x + 1), rng); // lost
  assert.equal(left.receive('p1', undefined), null);
  assert.deepEqual(left.requestMeta(), { resync: 1 }, 'p1 is bit 0 of p0\'s senders');
  // p0's next message to p1 carries the request; p1's next transmission is a keyframe
  const reply = left.encode(new Float32Array(20), rng);
  mid.receive('p0', msg('p0', reply, 2));
  const v3 = v.map((x) => x + 2);
  const kf = mid.encode(v3, rng);
  assert.equal(kf.keyframe, true);
  assert.equal(kf.payloadBits, 32 * 20);
  assert.equal(mid.keyframesSent, 1);
  const got = left.receive('p1', msg('p1', kf, 3));
  assert.equal(got?.keyframe, true);
  assert.deepEqual(left.reference('p1'), mid.ownReference());
  assert.deepEqual(left.reference('p1'), Float32Array.from(v3));
  assert.equal(left.requestMeta(), undefined, 'no more requests');
  // residual messages decode again afterwards
  left.receive('p1', msg('p1', mid.encode(v3.map((x) => x * 0.5), rng), 4));
  assert.deepEqual(left.reference('p1'), mid.ownReference());
});

test('Q-GADMM with dropped messages: keyframes resynchronise every reference and the run still converges', async () => {
  const { algo, train, data } = qGadmmChain();
  const dropped: string[] = [];
  const drop = (m: { from: string; to: string; round: number; phase: number }): boolean => {
    // lose a head → tail message, a tail → head message, and both directions of one edge
    const lose = (m.round === 40 && m.from === 'w1' && m.to === 'w2') || (m.round === 80 && m.from === 'w4' && m.to === 'w3')
      || (m.round === 120 && ((m.from === 'w3' && m.to === 'w2') || (m.from === 'w2' && m.to === 'w3')));
    if (lose) dropped.push(`${m.round}:${m.from}>${m.to}`);
    return lose;
  };
  const agreeAt: number[] = [];
  const r = await lockstep(algo, {
    dim: 7, rounds: 600, data, drop,
    onRound(round, nodes) {
      if (referencesAgree(algo, nodes)) agreeAt.push(round);
    },
  });
  assert.equal(dropped.length, 4);
  for (const lost of [40, 80, 120]) assert.ok(!agreeAt.includes(lost), `references differ right after the loss at round ${lost}`);
  for (const after of [42, 82, 122, 600]) assert.ok(agreeAt.includes(after), `references agree again at round ${after}`);
  let keyframes = 0;
  for (const node of r.nodes.values()) keyframes += links(node).keyframesSent;
  assert.equal(keyframes, 4, 'one keyframe per lost delivery');
  const gap = leastSquaresOptimum(train).gap(r.models[r.models.length - 1]!);
  assert.ok(gap <= 1e-6, `converges despite the losses: gap ${gap}`);
});

for (const id of ['w1', 'w3', 'w2']) {
  test(`Q-GADMM: peer ${id} restarts mid-job with empty references and duals; keyframes restore them and the run converges`, async () => {
    const { algo, train, data } = qGadmmChain();
    let agreeAfter = 0;
    const r = await lockstep(algo, {
      dim: 7, rounds: 600, data, restart: { id, round: 100 },
      // the restarted node's neighbours miss what it would have sent in its down time
      drop: (m) => m.round === 99 && m.from === id,
      onRound(round, nodes) {
        if (round >= 100 && agreeAfter === 0 && referencesAgree(algo, nodes)) agreeAfter = round;
      },
    });
    assert.ok(agreeAfter > 0 && agreeAfter <= 102, `references agree again at round ${agreeAfter}`);
    const gap = leastSquaresOptimum(train).gap(r.models[r.models.length - 1]!);
    assert.ok(gap <= 1e-6, `converges after the restart: gap ${gap}`);
  });
}
