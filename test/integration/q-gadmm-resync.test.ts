import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { runExperiment } from '@edgefl/lab';
import { CaptureLog } from './broker-helpers.js';

/**
 * Lost messages in the memory driver (its `drop` hook): the receiver acts without the message
 * at its deadline, asks for a keyframe, the sender's next transmission is one, and the run
 * ends where a run without losses ends.
 */
const cfg = (job: string) => parseExperimentConfig({
  job, seed: 3, rounds: 250, fleet: { devices: 5, prefix: 'w-' }, model: { kind: 'linear' },
  data: { dataset: { synthetic: 'least-squares', rows: 500, features: 8, target: 'planted', seed: 4 }, testFraction: 0.2, normalize: 'standard' },
  algorithm: { name: 'q-gadmm' }, transport: { kind: 'memory', roundTimeoutMs: 200 },
});

test('q-gadmm in the memory driver: dropped deliveries are repaired by keyframes (counted, logged) and the run still converges', async () => {
  const clean = await runExperiment(cfg('resync-clean'), { log: new CaptureLog() });
  const log = new CaptureLog();
  const lost = [{ from: 'w-01', to: 'w-02', round: 30 }, { from: 'w-04', to: 'w-03', round: 60 }, { from: 'w-03', to: 'w-04', round: 90 }];
  const dropped: string[] = [];
  const rec = await runExperiment(cfg('resync-drops'), {
    log,
    drop: (k) => {
      const hit = lost.some((l) => l.from === k.from && l.to === k.to && l.round === k.round);
      if (hit) dropped.push(`${k.round}:${k.from}>${k.to}`);
      return hit;
    },
  });
  assert.equal(dropped.length, 3);
  const last = rec.rounds[rec.rounds.length - 1]!;
  assert.equal(clean.rounds[clean.rounds.length - 1]!['keyframes'], 0);
  // Every receiver that lost a reference asked for it and got a keyframe back. A deadline
  // also delays the waiting node's own transmission, so a neighbour with the same deadline
  // may give up on it too: at least one repair per drop, and exactly one per loss noticed.
  const lostLines = log.lines.filter((l) => l.msg === 'lost the reference of a peer; asking it for a keyframe');
  const received = log.lines.filter((l) => l.msg === 'keyframe received; reference resynchronised');
  assert.ok(lostLines.length >= 3);
  for (const l of lost) assert.ok(lostLines.some((x) => x.obj['node'] === l.to && x.obj['from'] === l.from), `${l.to} noticed the loss from ${l.from}`);
  // a keyframe is one transmission to all the sender's neighbours; each receiver that awaited it is repaired
  for (const x of lostLines) assert.ok(received.some((r) => r.obj['node'] === x.obj['node'] && r.obj['from'] === x.obj['from'] && r.obj['wasAwaiting'] === true), `${String(x.obj['node'])} got ${String(x.obj['from'])}'s keyframe`);
  assert.equal(last['keyframes'], lostLines.length, 'one keyframe per loss noticed');
  // a keyframe is 32·(d + extra) bits, so the lossy run sent more payload bits than the clean one
  assert.ok(rec.totals.payloadBits > clean.totals.payloadBits);
  const gap = last.objectiveGap!, cleanGap = clean.rounds[clean.rounds.length - 1]!.objectiveGap!;
  assert.ok(gap <= 1e-6, `converges despite the losses: gap ${gap} (clean ${cleanGap})`);
});
