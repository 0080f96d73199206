import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { CaptureLog } from './broker-helpers.js';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

/**
 * The Q-GADMM experiment's algorithms (GD = qgd with bits 32) in the lab and over MQTT (peers as real agents, the
 * gateway only brokering for q-gadmm/gadmm; a real aggregator for gd/qgd): same seed, same
 * models round by round, same objective gaps, and payload bits = the sum over transmissions.
 */
const base = {
  seed: 5, rounds: 4, fleet: { devices: 5, prefix: 'w-' }, model: { kind: 'linear' },
  data: { dataset: { synthetic: 'least-squares', rows: 500, features: 12, target: 'planted', seed: 2 }, testFraction: 0.2, normalize: 'standard' },
};

const ALGOS: Record<string, Record<string, unknown>> = { 'q-gadmm': { name: 'q-gadmm' }, gadmm: { name: 'gadmm' }, gd: { name: 'qgd', bits: 32 }, qgd: { name: 'qgd' } };

async function run(name: string, kind: 'memory' | 'mqtt') {
  const cfg = parseExperimentConfig({ ...base, job: `qg-${name}`, algorithm: ALGOS[name], transport: { kind, roundTimeoutMs: 30_000 } });
  return observeExperiment(cfg, { log: new CaptureLog() });
}

for (const name of ['q-gadmm', 'gadmm', 'gd', 'qgd']) {
  test(`${name}: the same trajectory in memory and over MQTT, with objectiveGap on every round`, async () => {
    const mem = await run(name, 'memory');
    const mqtt = await run(name, 'mqtt');
    assertSameModels(mqtt, mem, 4);
    assert.deepEqual(mqtt.record.rounds.map((r) => r.objectiveGap), mem.record.rounds.map((r) => r.objectiveGap));
    for (const r of mem.record.rounds) assert.ok(typeof r.objectiveGap === 'number' && r.objectiveGap >= -1e-12, `gap ${r.objectiveGap}`);
    const d = 13;
    // per round: 5 peers × one transmission (Q-GADMM b·d + 64, GADMM 32·d); GD/QGD: one broadcast + 5 gradients
    const perRound = { 'q-gadmm': 5 * (2 * d + 64), gadmm: 5 * 32 * d, gd: 32 * d + 5 * 32 * d, qgd: 32 * d + 5 * (2 * d + 64) }[name]!;
    assert.equal(mem.record.totals.payloadBits, 4 * perRound);
    assert.equal(mqtt.record.totals.payloadBits, 4 * perRound);
  });
}
