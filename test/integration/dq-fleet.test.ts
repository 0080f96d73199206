import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { runExperiment } from '@edgefl/lab';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

const experiment = parse(readFileSync(new URL('../../configs/experiments/dq-least-squares.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;

async function run(kind: 'memory' | 'mqtt', algorithm: Record<string, unknown>, devices = 1) {
  const cfg = parseExperimentConfig({
    ...experiment, rounds: 25, algorithm, fleet: { devices },
    data: { ...(experiment['data'] as object), dataset: { synthetic: 'least-squares', rows: 128, features: 8, kappa: 10, target: 'planted', noise: 0, seed: 3 } },
    transport: { kind, roundTimeoutMs: 30_000 },
  });
  return observeExperiment(cfg, { log: nullLog });
}

for (const [algorithm, devices] of [[{ name: 'dq-hb', bits: 5 }, 1], [{ name: 'nq-gd', bits: 12 }, 2]] as const) {
  test(`${algorithm.name} with ${devices} worker(s) as real agents and the gateway as aggregator over MQTT follows the lab's trajectory bit for bit`, async () => {
    const mem = await run('memory', algorithm, devices);
    const mqtt = await run('mqtt', algorithm, devices);
    assertSameModels(mqtt, mem, 25);
    assert.deepEqual(mqtt.record.rounds.map((r) => r['distance']), mem.record.rounds.map((r) => r['distance']));
    assert.deepEqual(mqtt.record.rounds.map((r) => r.objectiveGap), mem.record.rounds.map((r) => r.objectiveGap));
    assert.deepEqual(mqtt.record.links, mem.record.links);
    // it converges: the gap fell by orders of magnitude, and the record carries the fitted factor and its bound
    const gaps = mem.record.rounds.map((r) => r.objectiveGap!);
    assert.ok(gaps[24]! < 1e-2 * gaps[0]!, `gap ${gaps[0]} → ${gaps[24]}`);
    assert.ok(typeof mem.record.totals['contractionFactor'] === 'number');
    assert.ok(mem.record.totals['contractionFactor']! < 1);
    assert.ok(typeof mem.record.totals['contractionBound'] === 'number');
  });
}

test('nq-gd under a per-round uplink budget: each worker\'s water-filled R_k is capped at ⌊bitsPerRound / n⌋, met every round', async () => {
  const n = 8;
  const cfg = parseExperimentConfig({
    ...experiment, rounds: 10, algorithm: { name: 'nq-gd', bits: 12 }, fleet: { devices: 2 },
    data: { ...(experiment['data'] as object), dataset: { synthetic: 'least-squares', rows: 128, features: n, kappa: 10, target: 'planted', noise: 0, seed: 3 } },
    transport: { kind: 'memory', roundTimeoutMs: 30_000 },
    budgets: { default: { up: { bitsPerRound: 3 * n + 5 } } },
  });
  const rec = await runExperiment(cfg, { log: nullLog });
  for (const l of rec.links.filter((x) => x.to === 'gateway')) {
    assert.equal(l.overBudget, 0, l.from);
    // one announcement (no payload) and one 3-bit q_t per round
    assert.equal(l.payloadBits, cfg.rounds * 3 * n, `${l.from}: ${l.payloadBits} payload bits`);
  }
  assert.ok(rec.rounds.every((r) => Number.isFinite(r.objectiveGap)));
});
