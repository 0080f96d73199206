import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import type { RoundRecord } from '@edgefl/runtime';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

/** QCMD/QRDA run the same code path in the lab and over a real MQTT broker, bit for bit. */
async function run(kind: 'memory' | 'mqtt', algorithm: Record<string, unknown>, model: Record<string, unknown>) {
  const cfg = parseExperimentConfig({
    job: "adagrad-fleet", seed: 3, rounds: 3, fleet: { devices: 3 }, data: { dataset: 'digits' }, model, algorithm,
    transport: { kind, roundTimeoutMs: 30_000 },
  });
  return observeExperiment(cfg, { log: nullLog });
}

const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['threshold QRDA, double quantization, logistic regression', { name: 'qrda', lr: 0.5, lambda: 0.01, batchSize: 16 }, { kind: 'logistic' }],
  ['TernGrad QCMD per layer, † single quantization, MLP', { name: 'qcmd', lr: 0.05, lambda: 1e-4, quantizer: 'terngrad', double: false, batchSize: 16 }, { kind: 'mlp', hidden: [16] }],
];

for (const [what, algorithm, model] of cases) {
  test(`${what}: the memory and the MQTT driver give the same models, records and payload bits`, async () => {
    const mem = await run('memory', algorithm, model);
    const mqtt = await run('mqtt', algorithm, model);
    assertSameModels(mqtt, mem, 3);
    // (per-round payloadBits are not compared: under MQTT a message is booked to the round the
    // aggregator is in when it is counted; the per-link totals below are exact)
    const fields = (rs: RoundRecord[]) => rs.map((r) => [r.loss, r.accuracy, r['modelSparsity'], r['uplinkRelError']]);
    assert.deepEqual(fields(mqtt.rounds), fields(mem.rounds));
    assert.deepEqual(mqtt.record.links, mem.record.links);
    assert.equal(mqtt.record.totals.payloadBits, mem.record.totals.payloadBits);
    const last = mem.rounds[2]!;
    assert.ok(typeof last['modelSparsity'] === 'number' && typeof last['uplinkRelError'] === 'number', JSON.stringify(last));
    assert.ok((last['uplinkRelError'] as number) > 0 && Number.isFinite(last['uplinkRelError']), `uplinkRelError ${last['uplinkRelError']}`);
    // Every uplink carries an indicator (d bits) plus 2 bits per selected coordinate plus scales.
    const d = mem.record.model.dim;
    const up = mem.record.links.find((l) => l.from === 'dev-01')!;
    assert.ok(up.payloadBits >= 3 * (32 + d) && up.payloadBits <= 3 * (32 * 8 + 3 * d), `${up.payloadBits} bits for d = ${d}`);
  });
}
