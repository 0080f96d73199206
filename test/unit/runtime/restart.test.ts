import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLog } from '@edgefl/core';
import { parseExperimentConfig } from '@edgefl/config';
import type { Inbound, MessageKey, NodeMachine, Outbound } from '@edgefl/algorithms';
import {
  CheckpointError, Mailbox, TrafficAccounting, assertSameJob, checkpointFile, jobIdentity, readCheckpoint, removeCheckpoint, runNode, writeCheckpoint,
  type Port, type Transmission,
} from '@edgefl/runtime';

const msg = (from: string, round: number, phase: number): Inbound => ({
  from, round, phase, codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32,
});

test('mailbox: messages too far ahead set the frontier, and the newest round of each sender is kept for a node that jumps there', async () => {
  const box = new Mailbox(nullLog, 2);
  assert.equal(box.frontier(), 0);
  assert.equal(box.put(msg('s', 2, 0)), 'accepted');
  assert.equal(box.put(msg('s', 7, 0)), 'too-far-ahead');
  assert.equal(box.put(msg('s', 9, 0)), 'too-far-ahead');
  assert.equal(box.frontier(), 9);
  box.advance(9);
  const got = await box.take([{ from: 's', round: 9, phase: 0 }], 10);
  assert.equal(got.length, 1, 'the newest round\'s message was kept');
  box.advance(7);
  assert.equal(box.put(msg('s', 7, 0)), 'accepted', 'the older one was not (only the newest round is kept)');
});

test('mailbox: a repeat of a consumed message is reported (its sender lost the answer); one merely held is not', async () => {
  const box = new Mailbox(nullLog);
  const repeats: string[] = [];
  box.onRepeat = (m) => repeats.push(`${m.from}/${m.round}/${m.phase}`);
  box.put(msg('s', 1, 0));
  assert.equal(box.put(msg('s', 1, 0)), 'duplicate');
  assert.deepEqual(repeats, []);
  await box.take([{ from: 's', round: 1, phase: 0 }], 10);
  assert.equal(box.put(msg('s', 1, 0)), 'duplicate');
  assert.deepEqual(repeats, ['s/1/0']);
});

test('mailbox: a node resumed at round k takes a replay of an earlier round as a repeat (counted once), not as a new message', async () => {
  const box = new Mailbox(nullLog);
  box.advance(4);
  assert.equal(box.put(msg('w', 3, 1)), 'accepted', 'a late message of the previous round is held in a running node');
  const resumed = new Mailbox(nullLog);
  resumed.put(msg('w', 3, 1)); // held before the resume round was known
  resumed.resumeAt(4);
  resumed.advance(4);
  assert.equal(resumed.put(msg('w', 3, 1)), 'duplicate', 'the previous round was acted on before the crash');
  assert.equal(resumed.put(msg('w', 2, 1)), 'duplicate');
  assert.deepEqual(await resumed.take([{ from: 'w', round: 3, phase: 1 }], 1), [], 'what was held of it is gone');
  assert.equal(resumed.put(msg('w', 4, 1)), 'accepted');
});

test('mailbox: a message whose wait already ended arrives late: counted (not a repeat), not used, and a second copy is a repeat', async () => {
  const box = new Mailbox(nullLog);
  assert.deepEqual(await box.take([{ from: 'w', round: 1, phase: 1 }], 1), [], 'the wait ends without it');
  assert.equal(box.put(msg('w', 1, 1)), 'late');
  assert.equal(box.put(msg('w', 1, 1)), 'duplicate');
  assert.deepEqual(await box.take([{ from: 'w', round: 1, phase: 1 }], 1), [], 'a late message is not held for a wait that is over');
});

/** A worker of a two-phase job: waits for the server's (round, 0), answers in phase 1. */
function worker(): NodeMachine & { acted: number[] } {
  const acted: number[] = [];
  return {
    spec: { id: 'w', role: 'worker' }, acted,
    expects: (round, phase): readonly MessageKey[] | null => (phase === 1 ? [{ from: 's', round, phase: 0 }] : null),
    async act(round): Promise<readonly Outbound[]> {
      acted.push(round);
      return [{ to: ['s'], codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 }];
    },
    model: () => new Float32Array(1),
  };
}

function recordingPort(box: Mailbox): Port & { sent: string[] } {
  const sent: string[] = [];
  return {
    mailbox: box, sent,
    async send(out, round, phase): Promise<Transmission> {
      sent.push(`${round}/${phase}`);
      return { from: 'w', round, phase, payloadBits: out.payloadBits, publishes: [] };
    },
  };
}

test('runNode: a worker behind the job jumps to the server\'s round instead of answering rounds that are over', async () => {
  const box = new Mailbox(nullLog);
  const node = worker();
  const port = recordingPort(box);
  // the worker was away: the server is at round 6 of 6 already
  box.put(msg('s', 6, 0));
  await runNode(node, port, { rounds: 6, phases: 2, phaseTimeoutMs: 5_000, log: nullLog });
  assert.deepEqual(node.acted, [6]);
  assert.deepEqual(port.sent, ['6/1']);
});

test('runNode: a worker woken by a later round while it waits jumps there before acting', async () => {
  const box = new Mailbox(nullLog);
  const node = worker();
  const port = recordingPort(box);
  const run = runNode(node, port, { rounds: 4, phases: 2, phaseTimeoutMs: 60_000, log: nullLog });
  // waiting for round 1's broadcast, it gets round 3's (it missed 1 and 2), then round 4's
  setTimeout(() => {
    box.put(msg('s', 3, 0));
    setTimeout(() => box.put(msg('s', 4, 0)), 20);
  }, 20);
  await run;
  assert.deepEqual(node.acted, [3, 4]);
});

test('runNode: a worker sends its answer again when the server repeats a message it already answered', async () => {
  const box = new Mailbox(nullLog);
  const port = recordingPort(box);
  box.put(msg('s', 1, 0));
  const run = runNode(worker(), port, { rounds: 2, phases: 2, phaseTimeoutMs: 60_000, log: nullLog });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(port.sent, ['1/1']);
  box.put(msg('s', 1, 0)); // a restarted server's broadcast of round 1
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(port.sent, ['1/1', '1/1']);
  box.put(msg('s', 2, 0));
  await run;
  assert.deepEqual(port.sent, ['1/1', '1/1', '2/1']);
});

test('runNode: the server sends the current round\'s messages again to a node that restarted', async () => {
  const box = new Mailbox(nullLog);
  const port = recordingPort(box);
  const server: NodeMachine = {
    spec: { id: 's', role: 'server' },
    expects: (round, phase) => (phase === 0 ? [] : [{ from: 'w', round, phase: 0 }]),
    act: async (_round, phase) => (phase === 0 ? [{ to: ['w'], codec: { id: 'float32' }, dim: 1, body: new Uint8Array(4), payloadBits: 32 }] : []),
    model: () => new Float32Array(1),
  };
  let resend: ((to: string) => void) | undefined;
  const run = runNode(server, port, { rounds: 1, phases: 2, phaseTimeoutMs: 60_000, log: nullLog, onResender: (r) => (resend = r) });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(port.sent, ['1/0']);
  resend!('w');
  resend!('x'); // sent nothing to x this round
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(port.sent, ['1/0', '1/0']);
  box.put(msg('w', 1, 0));
  await run;
});

test('checkpoint: written atomically, read back, refused for another job or configuration with the fix, removed when done', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-ckpt-'));
  const cfg = parseExperimentConfig({ job: 'ck', rounds: 5 });
  const id = jobIdentity(cfg, ['dev-01'], 3);
  const ledger = new TrafficAccounting(262_144, 1);
  ledger.record({ from: 'dev-01', round: 1, phase: 1, payloadBits: 96, publishes: [{ topic: 'edgefl/ck/up/dev-01', bytes: 40, deliveries: ['gateway'] }] });
  writeCheckpoint(dir, { node: 'gateway', job: 'ck', identity: id, round: 2, model: Float32Array.of(1, 2, 3), state: Uint8Array.of(9), extra: { ledger: ledger.save() } });
  assert.deepEqual(readdirSync(dir), ['gateway.checkpoint'], 'no temporary file is left');
  const c = readCheckpoint(dir, 'gateway')!;
  assert.equal(c.round, 2);
  assert.deepEqual([...c.model], [1, 2, 3]);
  assert.deepEqual([...c.state!], [9]);
  const restored = new TrafficAccounting(262_144, 1);
  restored.load(c.extra['ledger']);
  assert.deepEqual(restored.links(), ledger.links());
  assert.deepEqual(restored.totals(), ledger.totals());
  assertSameJob(c, dir, 'ck', id);
  const other = jobIdentity(parseExperimentConfig({ job: 'ck', rounds: 6 }), ['dev-01'], 3);
  assert.throws(() => assertSameJob(c, dir, 'ck', other), (e: unknown) => e instanceof CheckpointError && /another configuration/.test(e.message) && /delete .*gateway\.checkpoint/.test(e.hint ?? ''));
  assert.throws(() => assertSameJob(c, dir, 'other', id), CheckpointError);
  assert.equal(readCheckpoint(dir, 'dev-01'), null);
  writeFileSync(checkpointFile(dir, 'dev-01'), 'not cbor at all \u0000\u0001');
  assert.throws(() => readCheckpoint(dir, 'dev-01'), CheckpointError);
  removeCheckpoint(dir, 'gateway');
  assert.equal(readCheckpoint(dir, 'gateway'), null);
});
