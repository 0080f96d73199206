import { quadraticLearner } from '../../helpers/quadratic-learner.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { deviceIds, parseExperimentConfig } from '@edgefl/config';
import { mqttPublishPacketBytes } from '@edgefl/transport';
import type { Inbound, LocalLearner, NodeMachine } from '@edgefl/algorithms';
import {
  Mailbox, MemoryNetwork, TrafficAccounting, countTraffic, createJob, nodeEnv, runNode, encodeJobAnnouncement, decodeJobAnnouncement, JobSpecError, frame, unframe, WireError,
  RoundTracker, type Transmission,
} from '@edgefl/runtime';

const msg = (from: string, round: number, phase: number, tag = 0): Inbound => ({
  from, round, phase, codec: { id: 'float32' }, dim: 1, body: new Uint8Array([tag, 0, 0, 0]), payloadBits: 32,
});

test('mailbox: first copy wins, replays are dropped, delivery is in the order asked', async () => {
  const box = new Mailbox(nullLog);
  assert.equal(box.put(msg('b', 1, 0, 1)), 'accepted');
  assert.equal(box.put(msg('b', 1, 0, 2)), 'duplicate');
  assert.equal(box.put(msg('a', 1, 0)), 'accepted');
  const got = await box.take([{ from: 'a', round: 1, phase: 0 }, { from: 'b', round: 1, phase: 0 }], 1000);
  assert.deepEqual(got.map((m) => m.from), ['a', 'b']);
  assert.equal(got[1]!.body[0], 1);
  assert.equal(box.put(msg('b', 1, 0, 3)), 'duplicate', 'a consumed message replayed later is still a duplicate');
});

test('mailbox: waits for late messages, and a deadline returns what arrived', async () => {
  const box = new Mailbox(nullLog);
  const waiting = box.take([{ from: 'a', round: 1, phase: 0 }], 5000);
  setTimeout(() => box.put(msg('a', 1, 0)), 10);
  assert.equal((await waiting).length, 1);
  const partial = await box.take([{ from: 'a', round: 1, phase: 1 }, { from: 'b', round: 1, phase: 1 }], 20);
  assert.equal(partial.length, 0);
});

test('mailbox: stale and far-future rounds are refused (bounded memory)', () => {
  const box = new Mailbox(nullLog, 2);
  box.advance(5);
  assert.equal(box.put(msg('a', 3, 0)), 'stale');
  assert.equal(box.put(msg('a', 4, 0)), 'accepted');
  assert.equal(box.put(msg('a', 8, 0)), 'too-far-ahead');
});

test('accounting: hops are counted per device, the aggregator\'s own hop is local', () => {
  const acc = new TrafficAccounting(1024, 1);
  acc.record({ from: 'gateway', round: 1, phase: 0, payloadBits: 800, publishes: [{ topic: 'edgefl/v1/j/down', bytes: 100, deliveries: ['d1', 'd2'] }] });
  acc.record({ from: 'd1', round: 1, phase: 1, payloadBits: 400, publishes: [{ topic: 'edgefl/v1/j/up/d1', bytes: 50, deliveries: ['gateway'] }] });
  const down = mqttPublishPacketBytes('edgefl/v1/j/down'.length, 105, 1);
  const up = mqttPublishPacketBytes('edgefl/v1/j/up/d1'.length, 55, 1);
  assert.deepEqual(acc.links(), [
    { from: 'd1', to: 'gateway', messages: 1, payloadBits: 400, wireBytes: up },
    { from: 'gateway', to: 'd1', messages: 1, payloadBits: 800, wireBytes: down },
    { from: 'gateway', to: 'd2', messages: 1, payloadBits: 800, wireBytes: down },
  ]);
  assert.deepEqual(acc.totals(), { transmissions: 2, payloadBits: 1200, wireBytes: up + 2 * down });
});

test('wire: a message must come from a job member and agree with the topic it arrived on', () => {
  const bytes = frame({ to: ['gateway'], codec: { id: 'float32' }, dim: 2, body: new Uint8Array(8), payloadBits: 64, meta: { samples: 3 } }, 'j', 'd1', 1, 1, 0);
  const expect = { job: 'j', dim: 2, maxBytes: 1 << 20, phases: 3, senders: new Set(['d1', 'gateway']) };
  assert.deepEqual(unframe(bytes, expect, 'd1').meta, { samples: 3 });
  assert.throws(() => unframe(bytes, expect, 'd2'), (e: unknown) => e instanceof WireError && /claims sender d1 but arrived on d2/.test(e.message));
  assert.throws(() => unframe(bytes, { ...expect, senders: new Set(['gateway']) }), /not part of this job/);
});

test('wire: a phase the algorithm does not have is refused before a mailbox holds it', () => {
  const expect = { job: 'j', dim: 2, maxBytes: 1 << 20, phases: 3, senders: new Set(['d1']) };
  const at = (phase: number) => frame({ to: ['gateway'], codec: { id: 'float32' }, dim: 2, body: new Uint8Array(8), payloadBits: 64 }, 'j', 'd1', 1, phase, phase);
  assert.equal(unframe(at(2), expect, 'd1').phase, 2);
  for (const phase of [3, 0xffff]) {
    assert.throws(() => unframe(at(phase), expect, 'd1'), (e: unknown) => e instanceof WireError && e.message === `phase ${phase} is not one of this algorithm's 3 phases`);
  }
});

test('job announcement: round-trips, and hostile ones are refused with the reason', () => {
  const experiment = parseExperimentConfig({ job: 'j' });
  const ann = decodeJobAnnouncement(encodeJobAnnouncement({ state: 'running', round: 3, devices: ['d1'], dim: 10, experiment }));
  assert.equal(ann.dim, 10);
  assert.equal(ann.round, 3);
  assert.deepEqual(ann.experiment, experiment);
  // The experiment's own numbered devices travel as its fleet config, not as an id list;
  // any other list (ids from a key file, some of the numbered ones) travels whole.
  const own = deviceIds(experiment.fleet);
  const text = (devices: readonly string[]): Record<string, unknown> =>
    JSON.parse(new TextDecoder().decode(encodeJobAnnouncement({ state: 'running', round: 0, devices, dim: 10, experiment }))) as Record<string, unknown>;
  assert.equal('devices' in text(own), false);
  assert.deepEqual(decodeJobAnnouncement(encodeJobAnnouncement({ state: 'running', round: 0, devices: own, dim: 10, experiment })).devices, own);
  assert.deepEqual(text(own.slice(1))['devices'], own.slice(1));
  assert.deepEqual(text([...own].reverse())['devices'], [...own].reverse());
  // Only an absent list stands for the numbered devices: null is refused like any other non-list.
  const listless = { format: 'edgefl-job/1', state: 'running', round: 0, dim: 10, experiment };
  assert.deepEqual(decodeJobAnnouncement(new TextEncoder().encode(JSON.stringify(listless))).devices, own);
  assert.throws(() => decodeJobAnnouncement(new TextEncoder().encode(JSON.stringify({ ...listless, devices: null }))), /non-empty list of device ids/);
  const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));
  const good = { format: 'edgefl-job/1', state: 'running', round: 0, devices: ['d1'], dim: 10, experiment };
  assert.throws(() => decodeJobAnnouncement(new Uint8Array([0xff, 0xfe])), (e: unknown) => e instanceof JobSpecError && /not JSON/.test(e.message));
  assert.throws(() => decodeJobAnnouncement(enc({ ...good, format: 'x' })), /format "x"/);
  assert.throws(() => decodeJobAnnouncement(enc({ ...good, dim: -1 })), /dim must be a positive integer/);
  // Device ids become topic levels and node ids: the aggregator's id, a topic wildcard, repeats and an empty fleet are refused.
  for (const devices of [['d1', 'gateway'], ['d1', '+'], ['a/b'], []]) {
    assert.throws(() => decodeJobAnnouncement(enc({ ...good, devices })), (e: unknown) => e instanceof JobSpecError && /non-empty list of device ids other than gateway/.test(e.message), JSON.stringify(devices));
  }
  assert.throws(() => decodeJobAnnouncement(enc({ ...good, devices: ['d1', 'd1'] })), /devices repeat an id/);
  assert.throws(() => decodeJobAnnouncement(enc({ ...good, experiment: { job: 'j', rounds: 'many' } })), /rounds/);
  for (const round of [-1, 1.5, '2', undefined]) {
    assert.throws(() => decodeJobAnnouncement(enc({ ...good, round })), /round must be an integer ≥ 0/, String(round));
  }
  assert.throws(() => decodeJobAnnouncement(enc({ ...good, round: experiment.rounds + 1 })), /past the job's 20 rounds/);
});

test('job announcement: the same bytes are decoded once and shared frozen, and validation still applies', () => {
  const experiment = parseExperimentConfig({ job: 'j' });
  const bytes = (round: number, exp: unknown = experiment) =>
    new TextEncoder().encode(JSON.stringify({ format: 'edgefl-job/1', state: 'running', round, devices: ['d1'], dim: 10, experiment: exp }));
  const a = decodeJobAnnouncement(bytes(1));
  // The same text (1,000 agents of one emulated fleet reading one retained announcement) is one decode.
  assert.equal(decodeJobAnnouncement(bytes(1)), a);
  const b = decodeJobAnnouncement(bytes(2));
  assert.equal(b.round, 2);
  assert.deepEqual(b.experiment, experiment);
  // The next round's announcement carries the same experiment: validated once, the same object.
  assert.equal(b.experiment, a.experiment);
  // Shared, so frozen all the way down: no caller can change what another was given.
  assert.ok(Object.isFrozen(a) && Object.isFrozen(a.devices) && Object.isFrozen(a.experiment) && Object.isFrozen(a.experiment.transport));
  assert.throws(() => { (a.experiment as { rounds: number }).rounds = 999; }, TypeError);
  assert.equal(decodeJobAnnouncement(bytes(3)).experiment.rounds, experiment.rounds);
  // A changed experiment is validated again: an invalid one is refused, a valid one decoded as sent.
  assert.throws(() => decodeJobAnnouncement(bytes(1, { ...experiment, rounds: 'many' })), /rounds/);
  assert.equal(decodeJobAnnouncement(bytes(1, { ...experiment, rounds: 7 })).experiment.rounds, 7);
  // The last announcement's bytes are compared by content, against a copy: a buffer the
  // caller reuses for other bytes of the same length is decoded, and validated, anew.
  const reused = bytes(4);
  assert.equal(decodeJobAnnouncement(reused).round, 4);
  reused.set(bytes(5));
  assert.equal(decodeJobAnnouncement(reused).round, 5);
  reused.set(new TextEncoder().encode(new TextDecoder().decode(bytes(5)).replace('edgefl-job/1', 'edgefl-job/9')));
  assert.throws(() => decodeJobAnnouncement(reused), /format "edgefl-job\/9"/);
});

test('job: agents of one process that received the same announcement share one job; a job from a config of its own is built anew', () => {
  const experiment = parseExperimentConfig({ job: 'j' });
  const devices = ['d1', 'd2', 'd3'];
  const ann = decodeJobAnnouncement(encodeJobAnnouncement({ state: 'running', round: 1, devices, dim: 10, experiment }));
  const again = decodeJobAnnouncement(encodeJobAnnouncement({ state: 'running', round: 1, devices, dim: 10, experiment }));
  const job = createJob(ann.experiment, ann.devices);
  assert.equal(createJob(again.experiment, again.devices), job);
  assert.deepEqual(job.devices, devices);
  assert.deepEqual([...job.routes.senders('gateway')], devices);
  assert.deepEqual(job.routes.listeners('d2'), ['gateway']);
  // the same experiment for another fleet, or a config not from an announcement: a job of its own
  const other = decodeJobAnnouncement(encodeJobAnnouncement({ state: 'running', round: 1, devices: ['d1', 'd2'], dim: 10, experiment }));
  assert.notEqual(createJob(other.experiment, other.devices), job);
  assert.notEqual(createJob(experiment, devices), createJob(experiment, devices));
});

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
/** `p` if it settles within the current macrotask's microtasks, else 'still waiting' (an order, not a time). */
const settledNow = <T>(p: Promise<T>): Promise<T | 'still waiting'> =>
  Promise.race([p, new Promise<'still waiting'>((r) => setImmediate(() => r('still waiting')))]);

test('mailbox: an abort ends a wait at once with what arrived, and leaves no timer behind', async () => {
  const box = new Mailbox(nullLog);
  box.put(msg('a', 1, 0));
  const before = timers();
  const stop = new AbortController();
  // A deadline no test waits for: only the abort can end this wait.
  const waiting = box.take([{ from: 'a', round: 1, phase: 0 }, { from: 'b', round: 1, phase: 0 }], 60_000, stop.signal);
  assert.equal(timers(), before + 1);
  stop.abort();
  const got = await settledNow(waiting);
  assert.notEqual(got, 'still waiting');
  assert.deepEqual((got as Inbound[]).map((m) => m.from), ['a']);
  assert.equal(timers(), before);
  // Already aborted: no wait at all.
  assert.deepEqual(await settledNow(box.take([{ from: 'c', round: 1, phase: 0 }], 60_000, stop.signal)), []);
  assert.equal(timers(), before);
});

test('runNode: an abort while a node waits ends its run without acting or sending', async () => {
  const acted: number[] = [];
  const node: NodeMachine = {
    spec: { id: 'w', role: 'worker' },
    expects: (round) => [{ from: 'gateway', round, phase: 0 }],
    act: async (round) => (acted.push(round), [{ to: ['gateway'], codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 }]),
    model: () => new Float32Array(1),
  };
  const sent: number[] = [];
  const port = {
    mailbox: new Mailbox(nullLog),
    send: async (_o: unknown, round: number, phase: number) => (sent.push(round), { from: 'w', round, phase, payloadBits: 32, publishes: [] }),
  };
  const stop = new AbortController();
  const before = timers();
  const run = runNode(node, port, { rounds: 3, phases: 1, phaseTimeoutMs: 60_000, log: nullLog, signal: stop.signal });
  port.mailbox.put(msg('gateway', 1, 0));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(acted, [1]);
  stop.abort();
  assert.equal(await settledNow(run), undefined);
  assert.deepEqual(acted, [1]);
  assert.deepEqual(sent, [1]);
  assert.equal(timers(), before);
});

test('runNode: a node stopped while its round\'s last send is in flight still ends that round (the gateway announcing the job done must not cost the last round\'s record)', async () => {
  // A FedAvg worker acts in phase 0 and waits for nothing in phase 1 (the server's). The job
  // ends when the server has every update, which can reach a device before its own PUBACK.
  const node: NodeMachine = {
    spec: { id: 'w', role: 'worker' },
    expects: (round, phase) => (phase === 0 ? [{ from: 'gateway', round, phase: 0 }] : null),
    act: async () => [{ to: ['gateway'], codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 }],
    model: () => Float32Array.of(7),
  };
  let acked!: () => void;
  const port = {
    mailbox: new Mailbox(nullLog),
    send: (_o: unknown, round: number, phase: number) => new Promise<Transmission>((resolve) => {
      acked = () => resolve({ from: 'w', round, phase, payloadBits: 32, publishes: [] });
    }),
  };
  const stop = new AbortController();
  const ended: number[] = [];
  const started: number[] = [];
  const run = runNode(node, port, { rounds: 3, phases: 2, phaseTimeoutMs: 60_000, log: nullLog, signal: stop.signal, onRoundStart: (r) => started.push(r), onRoundEnd: (r) => ended.push(r) });
  port.mailbox.put(msg('gateway', 1, 0));
  await new Promise((r) => setImmediate(r));
  stop.abort();
  acked();
  assert.equal(await settledNow(run), undefined);
  assert.deepEqual(ended, [1], 'round 1 was done when the stop came');
  assert.deepEqual(started, [1], 'round 2 never started');
});

test('runNode: with one device gone, a healthy worker still gets every broadcast though the server waits its full timeout', async () => {
  const cfg = parseExperimentConfig({
    job: 'late', rounds: 3, fleet: { devices: 2 }, transport: { roundTimeoutMs: 100 },
    algorithm: { localSteps: 1, lr: 0.5, batchSize: 1 }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
  });
  const job = createJob(cfg);
  const dim = 2;
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, 1);
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: { dim, maxBytes: 1 << 20, phases: 3 }, log: nullLog });
  // Instant local training: the worker starts waiting for the next broadcast right after its upload.
  const learner: LocalLearner = { ...quadraticLearner(new Float32Array(dim)), sgd: async (p) => ({ params: p.map((x) => x + 1), loss: 0 }) };
  const run = (id: string, slowAggregate = false) => {
    const spec = job.algorithm.nodes.find((n) => n.id === id)!;
    const node = job.algorithm.createNode(nodeEnv(job, spec, { dim, initialParams: new Float32Array(dim), log: nullLog, ...(id === job.server ? {} : { learner }) }));
    // Aggregation that takes 50 ms (many updates to decode) after the 100 ms wait for dev-02.
    const act: NodeMachine['act'] = async (round, phase, inbox) => {
      if (slowAggregate && phase === 2) await new Promise((r) => setTimeout(r, 50));
      return node.act(round, phase, inbox);
    };
    return runNode({ spec, expects: (r, p) => node.expects(r, p), act, model: () => node.model() }, countTraffic(accounting)(net.port(spec), spec), {
      rounds: cfg.rounds, phases: 3, phaseTimeoutMs: cfg.transport.roundTimeoutMs, log: nullLog,
    });
  };
  net.port(job.algorithm.nodes.find((n) => n.id === 'dev-02')!); // dev-02 is registered but never runs
  await Promise.all([run(job.server, true), run('dev-01')]);
  const up = accounting.links().find((l) => l.from === 'dev-01')!;
  assert.equal(up.messages, 3, 'dev-01 uploaded an update in every round');
});

test('mailbox: a key its sender has moved past is not waited for (lost, or sent before this node listened)', async () => {
  const box = new Mailbox(nullLog);
  box.advance(2);
  const t0 = performance.now();
  const waiting = box.take([{ from: 'a', round: 2, phase: 0 }, { from: 'b', round: 2, phase: 0 }], 60_000);
  box.put(msg('b', 2, 0));
  box.put(msg('a', 3, 0)); // a is in round 3: its round-2 message will not come
  const got = await waiting;
  assert.deepEqual(got.map((m) => m.from), ['b']);
  assert.ok(performance.now() - t0 < 30_000, 'the wait ended on the later message, not at the 60 s deadline');
  // Already superseded before the wait starts: no wait at all; the later message is still delivered in its turn.
  assert.deepEqual(await box.take([{ from: 'a', round: 2, phase: 1 }], 60_000), []);
  box.advance(3);
  assert.equal((await box.take([{ from: 'a', round: 3, phase: 0 }], 60_000)).length, 1);
});

test('round tracker: a round is reported once every node ended it, and unfinished() names the nodes a round still waits for', () => {
  const reported: number[] = [];
  const tracker = new RoundTracker(['gateway', 'a', 'b'], (round) => reported.push(round));
  tracker.hook('gateway')(1, Float32Array.of(1));
  tracker.hook('a')(1, Float32Array.of(2));
  assert.deepEqual(tracker.unfinished(), [{ round: 1, missing: ['b'] }]);
  tracker.hook('b')(1, Float32Array.of(3));
  assert.deepEqual(reported, [1]);
  assert.deepEqual(tracker.unfinished(), []);
});

test('round tracker: a live model is copied as its node ends the round, a model given away (owned) is kept as it is', () => {
  const seen: ReadonlyMap<string, Float32Array>[] = [];
  const tracker = new RoundTracker(['a', 'b'], (_round, models) => seen.push(models));
  const live = Float32Array.of(1, 2);
  const given = Float32Array.of(3, 4);
  tracker.hook('a')(1, live);
  tracker.hook('b', true)(1, given);
  // the node trains on after ending the round: the round keeps what it had then
  live[0] = 99;
  assert.deepEqual([...seen[0]!.get('a')!], [1, 2]);
  assert.notEqual(seen[0]!.get('a'), live);
  assert.equal(seen[0]!.get('b'), given);
});
