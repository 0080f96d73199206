import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { runExperiment } from '@edgefl/lab';
import { CaptureLog } from './broker-helpers.js';

/**
 * The gossip family in the lab and over MQTT (peers as real agents, the gateway's aedes
 * broker only brokering): same seed, same models round by round, same payload bits — one
 * code path for both drivers. Digits, 5 peers on a ring-like graph, a small MLP.
 */
const base = {
  seed: 7, rounds: 3, fleet: { devices: 5, prefix: 'p-' },
  data: { dataset: 'digits', testFraction: 0.2, normalize: 'standard' },
  model: { kind: 'mlp', hidden: [8], activation: 'relu' },
  topology: { kind: 'ring-like' },
};

async function run(name: string, kind: 'memory' | 'mqtt') {
  const cfg = parseExperimentConfig({ ...base, job: `gossip-${name}`, algorithm: { name }, transport: { kind, roundTimeoutMs: 30_000 } });
  const models: Float32Array[] = [];
  const record = await runExperiment(cfg, { log: new CaptureLog(), onModel: (_r, m) => models.push(m) });
  return { record, models };
}

for (const name of ['malcom-psgd', 'choco-qsgd', 'choco-malcom', 'd-psgd']) {
  test(`${name}: the same trajectory in memory and over MQTT`, async () => {
    const mem = await run(name, 'memory');
    const mqtt = await run(name, 'mqtt');
    assert.equal(mqtt.models.length, 3);
    for (let r = 0; r < 3; r++) assert.deepEqual(mqtt.models[r], mem.models[r], `round ${r + 1} model differs`);
    assert.equal(mqtt.record.totals.payloadBits, mem.record.totals.payloadBits);
    assert.deepEqual(mqtt.record.rounds.map((r) => r.accuracy), mem.record.rounds.map((r) => r.accuracy));
    // 5 peers, one transmission each per round; D-PSGD's is the float32 model (d = 64·8 + 8 + 8·10 + 10 = 610)
    if (name === 'd-psgd') assert.equal(mem.record.totals.payloadBits, 3 * 5 * 32 * 610);
    else assert.ok(mem.record.totals.payloadBits < 3 * 5 * 32 * 610 / 4, `${name} compresses: ${mem.record.totals.payloadBits}`);
  });
}
