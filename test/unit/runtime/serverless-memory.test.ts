import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { parseExperimentConfig } from '@edgefl/config';
import type { NodeEnv, Outbound } from '@edgefl/algorithms';
import {
  MemoryNetwork, TrafficAccounting, countTraffic, createJob, hostNode, receiveChecks, type DeliveryKey, type Job,
} from '@edgefl/runtime';
import { ringGossip, type GossipOptions } from '../../helpers/gossip.js';

const DIM = 4;
const cfgOf = (devices: number, rounds: number) => parseExperimentConfig({ job: 'gossip', rounds, fleet: { devices }, transport: { roundTimeoutMs: 200 } });

/** Runs a ring gossip of `devices` peers in memory (no learner: pure averaging), every node through the node host. */
async function runRing(devices: number, rounds: number, o: GossipOptions & { drop?: (k: DeliveryKey) => boolean } = {}) {
  let sentBits = 0;
  const sent: { from: string; out: Outbound }[] = [];
  const cfg = cfgOf(devices, rounds);
  const job: Job = createJob(cfg, undefined, (_s, ctx) => ringGossip(ctx.devices, { ...o, onSend: (from, out) => { sentBits += out.payloadBits; sent.push({ from, out }); } }));
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, cfg.transport.qos);
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: receiveChecks(job, DIM), log: nullLog, ...(o.drop ? { drop: o.drop } : {}) });
  const models = new Map<string, Float32Array>();
  const hosts = await Promise.all(job.devices.map((id, i) => hostNode({
    job, id, log: nullLog, initial: { dim: DIM, params: Float32Array.from({ length: DIM }, (_, k) => i * 10 + k) },
    port: (spec) => net.port(spec), wrapPort: countTraffic(accounting),
  })));
  await Promise.all(hosts.map((h) => h.run({ onRoundEnd: (_r, m) => models.set(h.spec.id, Float32Array.from(m)) })));
  return { job, accounting, sentBits, sent, models };
}

test('serverless job in memory: a peer\'s message to both neighbours is one publish; payload bits equal the sum over transmissions', async () => {
  const rounds = 3;
  const { accounting, sentBits, sent, models } = await runRing(5, rounds);
  const totals = accounting.totals();
  assert.equal(sent.length, 5 * rounds, 'one transmission per peer per round');
  assert.equal(totals.transmissions, 5 * rounds);
  assert.equal(totals.payloadBits, sentBits);
  assert.equal(totals.payloadBits, 5 * rounds * 32 * DIM);
  for (const l of accounting.links()) {
    // Uplink: one publish per round; downlink: one delivery from each of its two neighbours.
    assert.equal(l.messages, l.to === 'gateway' ? rounds : 2 * rounds, `${l.from}→${l.to}`);
  }
  // Averaging on a ring contracts towards the mean of the initial models (coordinate k: 20 + k).
  for (const m of models.values()) for (let k = 0; k < DIM; k++) assert.ok(Math.abs(m[k]! - (20 + k)) < 12, `${m[k]}`);
});

test('serverless job in memory: one transmission per neighbour goes per link and still counts each once', async () => {
  const rounds = 2;
  const { accounting, sentBits, sent } = await runRing(4, rounds, { send: 'split' });
  assert.equal(sent.length, 4 * 2 * rounds);
  assert.equal(accounting.totals().payloadBits, sentBits);
  for (const l of accounting.links()) assert.equal(l.messages, 2 * rounds, `${l.from}→${l.to}: two publishes up, two deliveries down per round`);
});

test('memory driver: the drop hook loses exactly the chosen deliveries; the receiver acts without them', async () => {
  const keys: DeliveryKey[] = [];
  const dropped = (k: DeliveryKey): boolean => k.from === 'dev-01' && k.to === 'dev-02' && k.round === 2;
  const lossless = await runRing(4, 3);
  const lossy = await runRing(4, 3, { drop: (k) => (keys.push(k), dropped(k)) });
  // Every delivery was presented to the hook, with its round and phase.
  assert.equal(keys.length, 4 * 2 * 3);
  assert.ok(keys.every((k) => k.phase === 0));
  assert.equal(keys.filter(dropped).length, 1);
  // The transmission still counts; the lost delivery's downlink does not.
  assert.equal(lossy.accounting.totals().payloadBits, lossless.accounting.totals().payloadBits);
  const down = (r: typeof lossy, id: string) => r.accounting.links().find((l) => l.to === id)!.messages;
  assert.equal(down(lossy, 'dev-02'), down(lossless, 'dev-02') - 1);
  assert.equal(down(lossy, 'dev-04'), down(lossless, 'dev-04'));
  // dev-02 mixed round 2 without dev-01's model, so its trajectory differs.
  assert.notDeepEqual(lossy.models.get('dev-02'), lossless.models.get('dev-02'));
});

test('memory driver: a node that restarts gets a new mailbox and a fresh machine told the round it starts at', async () => {
  const cfg = cfgOf(3, 4);
  const envs: NodeEnv[] = [];
  const job = createJob(cfg, undefined, (_s, ctx) => ringGossip(ctx.devices, { onCreate: (env) => envs.push(env) }));
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: receiveChecks(job, DIM), log: nullLog });
  const init = { dim: DIM, params: new Float32Array(DIM).fill(1) };
  const spec = job.routes.spec('dev-02');
  const before = net.port(spec);
  const host = await hostNode({ job, id: 'dev-02', log: nullLog, initial: init, port: (s) => net.port(s) });
  const sender = net.port(job.routes.spec('dev-01'));
  await sender.send({ to: ['dev-03', 'dev-02'], codec: { id: 'float32' }, dim: DIM, body: new Uint8Array(4 * DIM), payloadBits: 32 * DIM }, 3, 0);
  // The message reached the restarted node's mailbox, not the one it had before.
  assert.equal((await host.port.mailbox.take([{ from: 'dev-01', round: 3, phase: 0 }], 0)).length, 1);
  assert.equal((await before.mailbox.take([{ from: 'dev-01', round: 3, phase: 0 }], 0)).length, 0);
  const stop = new AbortController();
  stop.abort();
  await host.run({ firstRound: 3, signal: stop.signal });
  assert.equal(envs.length, 1);
  assert.equal(envs[0]!.startRound, 3, 'the machine knows it joins at round 3 with no references');
  assert.deepEqual(host.model(), init.params, 'and starts from the initial model, holding nothing from before');
});
