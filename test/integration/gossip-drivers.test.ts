import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { CaptureLog } from './broker-helpers.js';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

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
  return observeExperiment(cfg, { log: new CaptureLog() });
}

for (const name of ['malcom-psgd', 'choco-qsgd', 'choco-malcom', 'd-psgd']) {
  test(`${name}: the same trajectory in memory and over MQTT`, async () => {
    const mem = await run(name, 'memory');
    const mqtt = await run(name, 'mqtt');
    assertSameModels(mqtt, mem, 3);
    assert.equal(mqtt.record.totals.payloadBits, mem.record.totals.payloadBits);
    assert.deepEqual(mqtt.record.rounds.map((r) => r.accuracy), mem.record.rounds.map((r) => r.accuracy));
    // 5 peers, one transmission each per round; D-PSGD's is the float32 model (d = 64·8 + 8 + 8·10 + 10 = 610)
    if (name === 'd-psgd') assert.equal(mem.record.totals.payloadBits, 3 * 5 * 32 * 610);
    else assert.ok(mem.record.totals.payloadBits < 3 * 5 * 32 * 610 / 4, `${name} compresses: ${mem.record.totals.payloadBits}`);
  });
}
