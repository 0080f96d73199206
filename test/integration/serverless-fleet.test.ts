import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceIds, parseExperimentConfig } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway, type BrokerCounters, type ClientTraffic } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { FleetClient, topics } from '@edgefl/transport';
import { decodeJobAnnouncement, frame, type BuildAlgorithm, type JobAnnouncement } from '@edgefl/runtime';
import { ringGossip, type GossipOptions } from '../helpers/gossip.js';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';
import { CaptureLog, retainedClock, until } from './broker-helpers.js';

const base = { job: 'gossip-fleet', seed: 11, rounds: 3, fleet: { devices: 4 }, model: { kind: 'logistic' } };

async function run(kind: 'memory' | 'mqtt', send: GossipOptions['send'] = 'both') {
  const cfg = parseExperimentConfig({ ...base, transport: { kind, roundTimeoutMs: 30_000 } });
  let sentBits = 0;
  let transmissions = 0;
  const build: BuildAlgorithm = (_spec, ctx) => ringGossip(ctx.devices, { steps: 2, lr: 0.1, send, onSend: (_f, out) => { sentBits += out.payloadBits; transmissions++; } });
  const observed = await observeExperiment(cfg, { log: new CaptureLog(), buildAlgorithm: build });
  return { ...observed, sentBits, transmissions };
}

test('serverless job: peers run as real agents over MQTT, one publish per transmission, the same trajectory as in memory', async () => {
  const mem = await run('memory');
  const mqtt = await run('mqtt');
  assert.equal(mqtt.record.rounds.length, 3);
  assertSameModels(mqtt, mem, 3);
  assert.deepEqual(mqtt.rounds.map((r) => r.loss), mem.rounds.map((r) => r.loss));
  assert.ok(mqtt.rounds[2]!.loss < mqtt.rounds[0]!.loss, 'the peers learn');
  // Payload bits are the sum over transmissions, under both drivers: 4 peers × 3 rounds × one message to both neighbours.
  for (const x of [mem, mqtt]) {
    assert.equal(x.transmissions, 12);
    assert.equal(x.record.totals.payloadBits, x.sentBits);
    assert.equal(x.record.totals.payloadBits, x.record.rounds.reduce((s, r) => s + r.payloadBits, 0));
  }
  assert.deepEqual(mqtt.record.links, mem.record.links, 'the lab counts the links a fleet uses');
  // What the broker saw: each peer published once per round on peer/{self} and got one delivery per neighbour per round,
  // and the wire bytes of the run record are those deliveries.
  const counters = mqtt.broker as BrokerCounters | undefined;
  assert.ok(counters);
  for (const l of mqtt.record.links) {
    const device = l.from === 'gateway' ? l.to : l.from;
    const seen: ClientTraffic['byKind'] = counters.get(`edgefl-${base.job}-${device}`).byKind;
    if (l.from === 'gateway') {
      assert.equal(seen['peer']?.delivered.messages, 2 * 3, `${device} deliveries`);
      assert.equal(l.wireBytes, seen['peer']?.delivered.bytes);
    } else {
      assert.equal(seen['peer']?.received.messages, 3, `${device} publishes: one per round, not one per neighbour`);
      assert.equal(l.wireBytes, seen['peer']?.received.bytes);
    }
    assert.equal(seen['up'], undefined, 'no device talks to an aggregator');
  }
});

test('serverless job: a message per neighbour travels on links, the same under both drivers', async () => {
  const mem = await run('memory', 'split');
  const mqtt = await run('mqtt', 'split');
  assertSameModels(mqtt, mem, 3);
  assert.deepEqual(mqtt.record.links, mem.record.links);
  assert.equal(mqtt.transmissions, 24);
  assert.equal(mqtt.record.totals.payloadBits, mqtt.sentBits);
  const seen = mqtt.broker!.get(`edgefl-${base.job}-dev-01`).byKind;
  assert.equal(seen['link']?.received.messages, 6);
  assert.equal(seen['peer'], undefined);
});

test('serverless gateway: runs no node, starts the clock once every peer is ready, follows the rounds and announces done', async () => {
  const cfg = parseExperimentConfig({ ...base, job: 'gossip-gw', transport: { roundTimeoutMs: 30_000 } });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const log = new CaptureLog();
  // what each peer sent, and to whom (the gateway's record must show it per link)
  const sentBy = new Map<string, { bits: number; messages: number }>();
  const heardBy = new Map<string, number>();
  const build: BuildAlgorithm = (_s, ctx) => ringGossip(ctx.devices, {
    steps: 1,
    onSend: (from, out) => {
      const s = sentBy.get(from) ?? { bits: 0, messages: 0 };
      sentBy.set(from, { bits: s.bits + out.payloadBits, messages: s.messages + 1 });
      for (const r of out.to) heardBy.set(r, (heardBy.get(r) ?? 0) + out.payloadBits);
    },
  });
  // auth: none, so the test's watcher may also forge peer messages (the sim runs above go through keys and topic ACLs).
  const gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, auth: 'none', experiment: cfg, devices, log, data, readyTimeoutMs: 20_000, buildAlgorithm: build });
  const url = `mqtt://127.0.0.1:${gw.broker.port}`;
  const announcements: JobAnnouncement[] = [];
  const retained = retainedClock(gw.broker.aedes, cfg.job);
  const watcher = await FleetClient.connect({ url, clientId: 'watcher', job: cfg.job, device: 'watcher', maxMessageBytes: 262_144, qos: 1 });
  await watcher.subscribe(topics.ctl(cfg.job), (_t, bytes) => void announcements.push(decodeJobAnnouncement(bytes)));
  // Hostile input to the observer: garbage, and a well-formed message claiming a round far past the job's, on dev-01's topic.
  const dim = gw.aggregator.dim;
  const forged = frame({ to: ['dev-02'], codec: { id: 'float32' }, dim, body: new Uint8Array(4 * dim), payloadBits: 32 * dim }, cfg.job, 'dev-01', 999, 0, 0);
  await watcher.publish(topics.peer(cfg.job, 'dev-01'), new Uint8Array([1, 2, 3]));
  await watcher.publish(topics.peer(cfg.job, 'dev-01'), forged);
  const peerRounds = new Map<string, number[]>();
  const agents = await Promise.all(devices.map((device, i) => startAgent({
    url, device, job: cfg.job, log, data: data.shards[i]!, jobTimeoutMs: 20_000, buildAlgorithm: build,
    onRoundEnd: (r) => peerRounds.set(device, [...(peerRounds.get(device) ?? []), r]),
  })));
  try {
    assert.equal(gw.aggregator.job.serverless, true);
    assert.equal(await gw.aggregator.done, null, 'the gateway holds no model');
    await Promise.all(agents.map((a) => a.done));
    // The announcement reaches the watcher through the broker, after the gateway's own publish completed.
    await until(() => announcements.some((a) => a.state === 'done'), 'the done announcement');
    for (const d of devices) assert.deepEqual(peerRounds.get(d), [1, 2, 3], `${d} ran every round`);
    assert.ok(log.lines.some((l) => l.msg === 'ready' && l.obj['role'] === 'peer'), 'agents run as peers');
    // Published to every subscriber: round 0 while waiting, 1 once all are ready, then done.
    assert.deepEqual(announcements.map((a) => `${a.state} ${a.round}`), ['running 0', 'running 1', 'done 3']);
    // The clock a (re)joining peer reads follows the rounds the peers reached, in the broker's retained store only.
    const rounds = retained.filter((a) => a.startsWith('running')).map((a) => Number(a.split(' ')[1]));
    assert.deepEqual(rounds.slice(0, 1), [1]);
    assert.ok(rounds.includes(3), `clock reached round 3: ${JSON.stringify(rounds)}`);
    assert.deepEqual(rounds, [...rounds].sort((a, b) => a - b), 'the clock never goes back');
    assert.equal(retained[retained.length - 1], 'done 3');
    const logged = log.lines.filter((l) => l.msg.startsWith('round done (every peer')).map((l) => l.obj['round']);
    assert.deepEqual(logged, [1, 2], 'the observer logs each round every peer has moved past');
    const rejected = log.problems('peer message rejected by the observer').map((l) => String(l.obj['reason']));
    assert.equal(rejected.length, 2, JSON.stringify(rejected));
    assert.match(rejected[1]!, /round 999 is past the job's 3 rounds/);
    assert.ok(rounds.every((r) => r <= 3), 'the forged round did not move the clock');
    assert.equal(log.problems('message rejected').length, 2, 'no peer rejected anything (the peers were not listening yet)');
    // Per-link payload figures in the gateway's record: each peer's publishes on its uplink,
    // each delivery on the receiver's downlink (the rejected forgeries count nowhere).
    const rec = gw.record();
    for (const d of devices) {
      const up = rec.links.find((l) => l.from === d && l.to === 'gateway');
      const down = rec.links.find((l) => l.from === 'gateway' && l.to === d);
      assert.ok(up && down, `${d}: no per-link figures in the gateway's record`);
      assert.equal(up.messages, sentBy.get(d)!.messages, `${d} uplink messages`);
      assert.equal(up.payloadBits, sentBy.get(d)!.bits, `${d} uplink payload`);
      assert.ok(up.wireBytes > up.payloadBits / 8, `${d} wire bytes include the envelope and MQTT headers`);
      assert.equal(down.payloadBits, heardBy.get(d), `${d} downlink payload`);
    }
    assert.equal(rec.totals.payloadBits, [...sentBy.values()].reduce((a, s) => a + s.bits, 0));
  } finally {
    await watcher.close();
    await Promise.all(agents.map((a) => a.close()));
    await gw.close();
  }
});
