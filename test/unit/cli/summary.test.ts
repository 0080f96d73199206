import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary } from '@edgefl/cli';
import type { LinkRecord, RunRecord } from '@edgefl/runtime';

const link = (from: string, to: string, payloadBits: number, wireBytes: number): LinkRecord => ({
  from, to, messages: 2, payloadBits, wireBytes, budgetBitsPerSec: null, budgetBitsPerRound: null, overBudget: 0,
});

function record(devices: readonly string[]): RunRecord {
  return {
    format: 'edgefl-run/1', config: {}, model: { dim: 100 }, rounds: [],
    links: devices.flatMap((d, i) => [link(d, 'gateway', 1000 * (i + 1), 300), link('gateway', d, 6400, 900)]),
    totals: { rounds: 2, payloadBits: 1, wireBytes: 1, wallMs: 1000, finalLoss: 0.25, finalAccuracy: 0.9 },
  };
}

test('the summary table stays aligned for device ids longer than the header', () => {
  const ids = ['a', 'kitchen-sensor-0001-long-id', 'dev-02'];
  const out = formatSummary(record(ids));
  const table = out.split('\n').filter((l) => /^(device|a |kitchen|dev-02)/.test(l));
  assert.equal(table.length, 4, out);
  // every column ends at the same offset on every line
  const ends = (l: string): number[] => [...l.matchAll(/\S+( \S+)?(?=\s{2,}|$)/g)].map((m) => m.index + m[0].length);
  const header = ends(table[0]!);
  assert.equal(header.length, 5, table[0]);
  for (const l of table.slice(1)) assert.deepEqual(ends(l).slice(1), header.slice(1), `${l}\n${table[0]}`);
  assert.match(table.find((l) => l.startsWith('kitchen'))!, /^kitchen-sensor-0001-long-id {3}/);
});

test('the summary names its loss: sim\'s is on the training set, the gateway\'s (which holds no training data) on held-out data', () => {
  assert.match(formatSummary(record(['dev-01'])), /^final training loss 0\.2500, held-out accuracy 90\.00% after 2 rounds/m);
  assert.match(formatSummary({ ...record(['dev-01']), source: 'sim' }), /^final training loss 0\.2500,/m);
  const gateway = formatSummary({ ...record(['dev-01']), source: 'gateway' });
  assert.match(gateway, /^final held-out loss 0\.2500, held-out accuracy 90\.00% after 2 rounds/m);
  assert.doesNotMatch(gateway, /training loss/);
});
