import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { mqttPublishPacketBytes } from '@edgefl/transport';
import { AlgorithmError, sendersOf, type Algorithm } from '@edgefl/algorithms';
import { RouteError, Routes, TrafficAccounting, countTraffic, createJob } from '@edgefl/runtime';
import { ringGossip } from '../../helpers/gossip.js';

const peers = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
/** A chain p1 – p2 – … – p6, as Q-GADMM runs on. */
const chain = (): Pick<Algorithm, 'name' | 'nodes' | 'senders'> => ({
  name: 'chain', nodes: peers.map((id) => ({ id, role: 'peer' as const })),
  senders: (id) => [peers[peers.indexOf(id) - 1], peers[peers.indexOf(id) + 1]].filter((p): p is string => p !== undefined),
});

test('senders: a server algorithm defaults to server ⇄ every worker; peers must say who hears whom', () => {
  const job = createJob(parseExperimentConfig({ job: 'j', fleet: { devices: 3 } }));
  assert.deepEqual(sendersOf(job.algorithm, 'gateway'), ['dev-01', 'dev-02', 'dev-03']);
  assert.deepEqual(sendersOf(job.algorithm, 'dev-02'), ['gateway']);
  assert.equal(job.serverless, false);
  const cfg = parseExperimentConfig({ job: 'j', fleet: { devices: 4 } });
  assert.throws(() => createJob(cfg, undefined, (_s, ctx) => ringGossip(ctx.devices, { senders: false })),
    (e: unknown) => e instanceof AlgorithmError && /has peer nodes but does not say who hears whom/.test(e.message) && /Algorithm\.senders/.test(e.hint ?? ''));
  const bad = (senders: Algorithm['senders']) => () => createJob(cfg, undefined, (_s, ctx) => ({ ...ringGossip(ctx.devices), senders }));
  assert.throws(bad(() => ['nobody']), /hears nobody, which is not one of its nodes/);
  assert.throws(bad((id) => [id]), /lists itself/);
  assert.throws(bad(() => ['dev-01', 'dev-01']), /lists itself|twice/);
  const ring = createJob(cfg, undefined, (_s, ctx) => ringGossip(ctx.devices));
  assert.equal(ring.serverless, true);
  assert.deepEqual(ring.routes.senders('dev-01'), new Set(['dev-04', 'dev-02']));
});

test('routes: a server reaches all workers in one publish and a subset with one per receiver (each on its own down topic)', () => {
  const job = createJob(parseExperimentConfig({ job: 'j', fleet: { devices: 3 } }));
  const r = job.routes;
  assert.deepEqual(r.publications('gateway', ['dev-01', 'dev-02', 'dev-03']), [{ topic: 'edgefl/v1/j/down', receivers: ['dev-01', 'dev-02', 'dev-03'] }]);
  assert.deepEqual(r.publications('gateway', ['dev-03', 'dev-01']), [
    { topic: 'edgefl/v1/j/down/dev-03', receivers: ['dev-03'] }, { topic: 'edgefl/v1/j/down/dev-01', receivers: ['dev-01'] },
  ]);
  assert.deepEqual(r.publications('dev-02', ['gateway']), [{ topic: 'edgefl/v1/j/up/dev-02', receivers: ['gateway'] }]);
  assert.deepEqual(r.filters('gateway'), ['edgefl/v1/j/up/+']);
  assert.deepEqual(r.filters('dev-02'), ['edgefl/v1/j/down', 'edgefl/v1/j/down/dev-02']);
  assert.equal(r.senderOf('edgefl/v1/j/down', 'dev-02'), 'gateway');
  assert.equal(r.senderOf('edgefl/v1/j/up/dev-03', 'gateway'), 'dev-03');
  assert.throws(() => r.senderOf('edgefl/v1/j/down/dev-01', 'dev-02'), RouteError);
  assert.throws(() => r.publications('dev-01', ['dev-02']), (e: unknown) => e instanceof RouteError && /dev-02, which does not hear it/.test(e.message));
});

test('routes: every node\'s listeners are exactly the nodes that hear it, in job order (a random directed graph, a star)', () => {
  // a fixed pseudo-random digraph on 30 peers: each hears 0–5 others
  const ids = Array.from({ length: 30 }, (_, i) => `q${i}`);
  let x = 7;
  const next = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31);
  const heard = new Map(ids.map((id) => [id, [...new Set(Array.from({ length: next() % 6 }, () => ids[next() % ids.length]!))].filter((s) => s !== id)]));
  const graph = { name: 'digraph', nodes: ids.map((id) => ({ id, role: 'peer' as const })), senders: (id: string) => heard.get(id)! };
  const r = new Routes('j', graph);
  for (const id of ids) assert.deepEqual(r.listeners(id), ids.filter((n) => heard.get(n)!.includes(id)), id);
  assert.deepEqual(r.listeners('nobody'), []);
  const star = createJob(parseExperimentConfig({ job: 'j', fleet: { devices: 5 } })).routes;
  assert.deepEqual(star.listeners('gateway'), ['dev-01', 'dev-02', 'dev-03', 'dev-04', 'dev-05']);
  assert.deepEqual(star.listeners('dev-03'), ['gateway']);
});

test('routes: a peer reaches all its listeners in ONE publish on peer/{self}; a strict subset goes per link', () => {
  const r = new Routes('j', chain());
  assert.deepEqual(r.listeners('p3'), ['p2', 'p4']);
  assert.deepEqual(r.publications('p3', ['p4', 'p2']), [{ topic: 'edgefl/v1/j/peer/p3', receivers: ['p2', 'p4'] }]);
  assert.deepEqual(r.publications('p1', ['p2']), [{ topic: 'edgefl/v1/j/peer/p1', receivers: ['p2'] }], 'a chain end has one listener: the peer topic');
  assert.deepEqual(r.publications('p3', ['p4']), [{ topic: 'edgefl/v1/j/link/p3/p4', receivers: ['p4'] }]);
  assert.throws(() => r.publications('p3', ['p5']), /p5, which does not hear it/);
  // Exactly the senders' topics, no wildcards.
  assert.deepEqual(r.filters('p3').sort(), ['edgefl/v1/j/link/p2/p3', 'edgefl/v1/j/link/p4/p3', 'edgefl/v1/j/peer/p2', 'edgefl/v1/j/peer/p4']);
  assert.equal(r.senderOf('edgefl/v1/j/peer/p2', 'p3'), 'p2');
  assert.equal(r.senderOf('edgefl/v1/j/link/p2/p3', 'p3'), 'p2');
  assert.throws(() => r.senderOf('edgefl/v1/j/link/p2/p1', 'p3'), /carries no algorithm messages for p3/);
  assert.throws(() => r.senderOf('edgefl/v1/j/down', 'p3'), /carries no algorithm messages/, 'a serverless job has no down topic');
});

test('accounting: a transmission to k receivers is one publish, its payload counted once and its wire bytes once per delivery', async () => {
  // Every node of the chain sends the same message to both neighbours: 6 transmissions.
  const r = new Routes('j', chain());
  const acc = new TrafficAccounting(262_144, 1);
  for (const from of peers) {
    const pubs = r.publications(from, r.listeners(from));
    assert.equal(pubs.length, 1, `${from}: one publish`);
    const inner = { mailbox: undefined as never, send: async () => ({ from, round: 1, phase: 0, payloadBits: 800, publishes: pubs.map((p) => ({ topic: p.topic, bytes: 100, deliveries: p.receivers })) }) };
    const port = countTraffic(acc)(inner, { id: from, role: 'peer' });
    await port.send({ to: r.listeners(from), codec: { id: 'float32' }, dim: 25, body: new Uint8Array(100), payloadBits: 800 }, 1, 0);
  }
  const t = acc.totals();
  // Per receiver the issue counted 10 × 800 bits (1.67× the 6 transmissions); once per transmission it is 6 × 800.
  assert.equal(t.transmissions, 6);
  assert.equal(t.payloadBits, 6 * 800);
  const wire = mqttPublishPacketBytes('edgefl/v1/j/peer/p1'.length, 105, 1);
  // 6 uplink publishes + 10 deliveries (the chain's 5 edges, both ways).
  assert.equal(t.wireBytes, (6 + 10) * wire);
  const p3 = acc.links().filter((l) => l.from === 'p3' || l.to === 'p3');
  assert.deepEqual(p3.map((l) => [l.from, l.to, l.messages]), [['p3', 'gateway', 1], ['gateway', 'p3', 2]]);
});
