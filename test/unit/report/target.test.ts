import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, parseTarget, progressPoints, toTargetTable, ReportError, parseRunFile, type Target } from '@edgefl/report';
import { runRecord, writeRun } from './fixtures.js';

// Hand-computed case. Target accuracy ≥ 0.8.
//  A (baseline): 100 bits, 40 bytes a round; accuracy 0.5 0.7 0.85 0.9 → round 3: 300 bits, 120 bytes.
//  B: 25 bits, 16 bytes a round; accuracy 0.4 0.6 0.75 0.8 0.9 → round 4 (0.8 counts): 100 bits, 64 bytes;
//     ratios to A: rounds 4/3, bits 100/300, bytes 64/120.
//  C: accuracy 0.3 0.5 0.79 → never reached.
//  D: a regression run (accuracy null) → not recorded.
const A = runRecord([0.5, 0.7, 0.85, 0.9].map((a) => ({ loss: 1 - a, accuracy: a, payloadBits: 100, wireBytes: 40 })));
const B = runRecord([0.4, 0.6, 0.75, 0.8, 0.9].map((a) => ({ loss: 1 - a, accuracy: a, payloadBits: 25, wireBytes: 16 })), { bits: 2 });
const C = runRecord([0.3, 0.5, 0.79].map((a) => ({ loss: 1 - a, accuracy: a, payloadBits: 10, wireBytes: 5 })));
const D = runRecord([{ loss: 3, payloadBits: 10, wireBytes: 5 }, { loss: 2, payloadBits: 10, wireBytes: 5 }]);

const pts = (label: string, rec: unknown) => ({ label, points: progressPoints(label, parseRunFile(JSON.stringify(rec), `${label}.json`).record) });
const runs = [pts('A', A), pts('B', B), pts('C', C), pts('D', D)];

test('to-target table: first round reaching accuracy ≥ 0.8, cumulative bits and bytes by then, ratios to the baseline', () => {
  const t = toTargetTable(runs, { metric: 'accuracy', value: 0.8 }, 0);
  assert.equal(t.baseline, 'A');
  const [a, b, c, d] = t.rows;
  assert.deepEqual(a!.hit, { round: 3, cumPayloadBits: 300, cumWireBytes: 120 });
  assert.deepEqual(a!.ratio, { rounds: 1, payloadBits: 1, wireBytes: 1 });
  assert.equal(a!.isBaseline, true);
  assert.deepEqual(b!.hit, { round: 4, cumPayloadBits: 100, cumWireBytes: 64 });
  assert.ok(Math.abs(b!.ratio!.rounds - 4 / 3) < 1e-12);
  assert.ok(Math.abs(b!.ratio!.payloadBits - 1 / 3) < 1e-12);
  assert.ok(Math.abs(b!.ratio!.wireBytes - 64 / 120) < 1e-12);
  assert.equal(c!.status, 'never');
  assert.equal(c!.hit, null);
  assert.equal(c!.ratio, null);
  assert.equal(d!.status, 'unrecorded');
});

test('against another baseline the ratios invert; a baseline that never reaches the target leaves ratios empty', () => {
  const t = toTargetTable(runs, { metric: 'accuracy', value: 0.8 }, 1);
  assert.ok(Math.abs(t.rows[0]!.ratio!.payloadBits - 3) < 1e-12);
  assert.ok(Math.abs(t.rows[0]!.ratio!.rounds - 0.75) < 1e-12);
  const never = toTargetTable(runs, { metric: 'accuracy', value: 0.8 }, 2);
  assert.equal(never.rows[0]!.status, 'reached');
  assert.equal(never.rows[0]!.ratio, null);
});

test('loss and gap targets are reached at ≤ the value', () => {
  // loss = 1 − accuracy: A's loss ≤ 0.2 first at round 3 (0.15), B's at round 4 (0.2).
  const t = toTargetTable(runs, { metric: 'loss', value: 0.2 }, 0);
  assert.equal(t.rows[0]!.hit!.round, 3);
  assert.equal(t.rows[1]!.hit!.round, 4);
  assert.equal(t.rows[3]!.status, 'never', 'D records loss 3, 2');
  const G = runRecord([1e-1, 1e-3, 1e-6, 1e-8].map((g) => ({ loss: g, objectiveGap: g, payloadBits: 7, wireBytes: 3 })));
  const g = toTargetTable([pts('G', G), pts('A', A)], { metric: 'gap', value: 1e-5 }, 0);
  assert.deepEqual(g.rows[0]!.hit, { round: 3, cumPayloadBits: 21, cumWireBytes: 9 });
  assert.equal(g.rows[1]!.status, 'unrecorded');
});

test('a target no run records is an error naming the field', () => {
  assert.throws(() => toTargetTable(runs, { metric: 'gap', value: 1e-5 }, 0),
    (e: unknown) => e instanceof ReportError && e.code === 'REPORT_TARGET' && /no run records objectiveGap/.test(e.message));
  assert.throws(() => toTargetTable([runs[3]!], { metric: 'accuracy', value: 0.5 }, 0),
    (e: unknown) => e instanceof ReportError && /no run records accuracy/.test(e.message) && /target loss/.test(e.hint ?? ''));
});

test('--target parsing: metric=value, aliases, and clear errors', () => {
  assert.deepEqual(parseTarget('accuracy=0.8'), { metric: 'accuracy', value: 0.8 } satisfies Target);
  assert.deepEqual(parseTarget('gap=1e-5'), { metric: 'gap', value: 1e-5 });
  assert.deepEqual(parseTarget('objectiveGap=0.01'), { metric: 'gap', value: 0.01 });
  assert.deepEqual(parseTarget('loss=0.25'), { metric: 'loss', value: 0.25 });
  for (const [bad, msg] of [['accuracy', /not metric=value/], ['speed=3', /unknown metric "speed"/], ['loss=abc', /not a number/],
    ['accuracy=80', /fraction/], ['gap=0', /> 0/]] as const) {
    assert.throws(() => parseTarget(bad), (e: unknown) => e instanceof ReportError && e.code === 'REPORT_TARGET' && msg.test(e.message), bad);
  }
});

test('buildReport: the baseline by label or file name; an unknown one lists the runs', async () => {
  const files = [writeRun(A, 'base.json'), writeRun(B, 'two-bit.json')];
  const r = await buildReport({ files, targets: ['accuracy=0.8'], baseline: 'two-bit', labels: ['eight', 'two'] });
  assert.equal(r.tables[0]!.baseline, 'two');
  assert.ok(Math.abs(r.tables[0]!.rows[0]!.ratio!.payloadBits - 3) < 1e-12);
  const byLabel = await buildReport({ files, targets: ['accuracy=0.8'], baseline: 'two', labels: ['eight', 'two'] });
  assert.equal(byLabel.tables[0]!.baseline, 'two');
  await assert.rejects(buildReport({ files, baseline: 'float32' }),
    (e: unknown) => e instanceof ReportError && e.code === 'REPORT_BASELINE' && /"float32" names no run/.test(e.message) && /two-bit/.test(e.message));
  await assert.rejects(buildReport({ files, labels: ['only one'] }), (e: unknown) => e instanceof ReportError && e.code === 'REPORT_LABELS');
});
