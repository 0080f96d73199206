import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, LogThrottle, type Log } from '@edgefl/core';
import type { Inbound, NodeMachine, Outbound, Refusal } from '@edgefl/algorithms';
import { Mailbox, RunHealth, runNode, type Port } from '@edgefl/runtime';

const msg = (from: string, round: number, phase: number, tag = 0): Inbound => ({
  from, round, phase, codec: { id: 'float32' }, dim: 1, body: new Uint8Array(Float32Array.of(tag).buffer), payloadBits: 32,
});
const valueOf = (m: Inbound): number => new Float32Array(m.body.slice().buffer)[0]!;

class Lines implements Log {
  readonly lines: { msg: string; obj: Record<string, unknown> }[] = [];
  debug(): void {}
  info(): void {}
  warn(obj: object, msg = ''): void { this.lines.push({ msg, obj: obj as Record<string, unknown> }); }
  error(obj: object, msg = ''): void { this.lines.push({ msg, obj: obj as Record<string, unknown> }); }
  child(): Log { return this; }
}

test('mailbox admission: a refused copy never takes its sender\'s slot; the genuine message that follows counts', async () => {
  const log = new Lines();
  const box = new Mailbox(log);
  box.setAdmission((m): Refusal | null => (Number.isFinite(valueOf(m)) && Math.abs(valueOf(m)) < 100 ? null : { reason: 'norm', detail: `value ${valueOf(m)}` }));
  assert.equal(box.put(msg('a', 1, 1, 3e38)), 'refused');
  assert.equal(box.put(msg('a', 1, 1, NaN)), 'refused');
  assert.equal(box.put(msg('a', 1, 1, 5)), 'accepted', 'the genuine update after two hostile copies');
  assert.equal(box.put(msg('a', 1, 1, 7)), 'duplicate', 'first admitted copy wins');
  const got = await box.take([{ from: 'a', round: 1, phase: 1 }], 1000);
  assert.equal(valueOf(got[0]!), 5);
  assert.deepEqual([...box.refusalCounts()], [['norm', 2]]);
  assert.equal(log.lines.filter((l) => l.msg === 'message refused').length, 2);
  assert.equal(log.lines[0]!.obj['from'], 'a');
  // an admission that throws refuses instead of escaping
  box.setAdmission(() => { throw new Error('boom'); });
  assert.equal(box.put(msg('b', 1, 1)), 'refused');
  assert.equal(box.refusalCounts().get('admission-error'), 1);
});

test('log throttle: at most `burst` lines per key and window, the held-back count reported with the next', () => {
  let now = 0;
  const t = new LogThrottle(2, 1000, () => now);
  const log = new Lines();
  for (let i = 0; i < 5; i++) t.log(log, 'warn', 'k', { i }, 'refused');
  t.log(log, 'warn', 'other', {}, 'refused');
  assert.equal(log.lines.length, 3);
  now = 1500;
  t.log(log, 'warn', 'k', {}, 'refused');
  assert.equal(log.lines.length, 4);
  assert.equal(log.lines[3]!.obj['suppressed'], 3);
});

function fakePort(sent: Outbound[]): Port {
  return { mailbox: new Mailbox(nullLog), send: async (o, round, phase) => (sent.push(o), { from: 'x', round, phase, payloadBits: 32, publishes: [] }) };
}
const out: Outbound = { to: ['w'], codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 };

test('runNode: an error while acting skips that round; the node lives on and acts in the next one', async () => {
  const log = new Lines();
  const acted: number[] = [];
  const node: NodeMachine = {
    spec: { id: 's', role: 'server' },
    expects: () => [],
    act: async (round) => {
      acted.push(round);
      if (round === 2) throw new Error('learner failed');
      return [out];
    },
    model: () => Float32Array.of(1),
  };
  const sent: Outbound[] = [];
  const health = new RunHealth({ rounds: 3, devices: ['w'], hasServer: true, maxEmptyRoundFraction: 1 });
  await runNode(node, fakePort(sent), { rounds: 3, phases: 1, phaseTimeoutMs: 1000, log, health: health.node(node.spec) });
  assert.deepEqual(acted, [1, 2, 3]);
  assert.equal(sent.length, 2);
  assert.equal(log.lines.filter((l) => l.msg.includes('acting on the round failed')).length, 1);
  const h = health.record();
  assert.equal(h.actFailures, 1);
  assert.equal(h.roundsCompleted, 3);
});

test('runNode: a node whose model turns non-finite sends nothing from it; a diverged server ends the job, reported in health', async () => {
  const model = Float32Array.of(1);
  const sent: Outbound[] = [];
  const node: NodeMachine = {
    spec: { id: 's', role: 'server' },
    expects: () => [],
    act: async (round) => {
      if (round === 2) model[0] = NaN;
      return [out];
    },
    model: () => model,
  };
  const health = new RunHealth({ rounds: 5, devices: ['w'], hasServer: true, maxEmptyRoundFraction: 1 });
  await runNode(node, fakePort(sent), { rounds: 5, phases: 1, phaseTimeoutMs: 1000, log: nullLog, health: health.node(node.spec) });
  assert.equal(sent.length, 1, 'only round 1 was broadcast');
  const h = health.record();
  assert.deepEqual(h.diverged, { round: 2, node: 's' });
  assert.equal(h.ok, false);
  assert.match(h.problems[0]!, /diverged/);
  assert.equal(h.roundsCompleted, 1);
});

test('run health: updates per round, empty rounds against the threshold, devices that never contributed, refusals', async () => {
  const health = new RunHealth({ rounds: 4, devices: ['a', 'b', 'c'], hasServer: true, maxEmptyRoundFraction: 0.25 });
  const server = health.node({ id: 'gateway', role: 'server' });
  const worker = health.node({ id: 'a', role: 'worker' });
  const box = new Mailbox(nullLog);
  server.watch(box);
  box.refuse({ reason: 'codec', detail: 'x' });
  box.refuse({ reason: 'codec', detail: 'y' });
  box.refuse({ reason: 'norm', detail: 'z' });
  server.taken(1, ['a', 'b'], 1);
  worker.taken(1, ['gateway'], 0); // a worker's inbox is not an update
  server.taken(2, [], 3);
  server.taken(3, ['a'], 2);
  server.taken(4, [], 3);
  for (let r = 1; r <= 4; r++) server.roundEnd(r);
  const h = health.record();
  assert.deepEqual(h.updatesPerRound, [2, 0, 1, 0]);
  assert.equal(h.emptyRounds, 2);
  assert.deepEqual(h.neverContributed, ['c']);
  assert.deepEqual(h.refusals, { codec: 2, norm: 1 });
  assert.equal(h.missedMessages, 9);
  assert.equal(h.ok, false, '2 empty rounds of 4 is above 0.25');
  assert.match(h.problems[0]!, /2 of 4 rounds had no usable update/);
  const lenient = new RunHealth({ rounds: 4, devices: ['a'], hasServer: true, maxEmptyRoundFraction: 0.5 });
  const s2 = lenient.node({ id: 'gateway', role: 'server' });
  s2.taken(1, ['a'], 0); s2.taken(3, ['a'], 0);
  for (let r = 1; r <= 4; r++) s2.roundEnd(r);
  assert.equal(lenient.record().ok, true);
});

test('run health: a final loss that is not finite or blew up past maxLossRatio × the best fails the job', async () => {
  const { judgeLosses } = await import('@edgefl/runtime');
  const base = new RunHealth({ rounds: 3, devices: ['a'], hasServer: true, maxEmptyRoundFraction: 1 }).record();
  assert.equal(judgeLosses(base, [2.3, 1.1, 0.9], 100).ok, true);
  const nan = judgeLosses(base, [2.3, 1.1, NaN], 100);
  assert.equal(nan.ok, false);
  assert.match(nan.problems[0]!, /final model's loss is NaN/);
  const blown = judgeLosses(base, [2.3, 0.5, 51], 100);
  assert.equal(blown.ok, false);
  assert.match(blown.problems[0]!, /blew up/);
  assert.equal(judgeLosses(base, [2.3, 0.5, 49], 100).ok, true);
  assert.equal(judgeLosses(base, [], 100), base);
  assert.equal(judgeLosses(base, [1, 1e-12, 1e-9], 100).ok, true, 'jitter near a zero optimum, below the first loss, is no blow-up');
});
