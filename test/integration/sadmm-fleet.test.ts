import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

// digits, 4 devices, float32 links: a few rounds of each algorithm on the real ONNX trainer.
const base = {
  job: 'sadmm-fleet', seed: 3, rounds: 4, fleet: { devices: 4 },
  model: { kind: 'mlp', hidden: [32] }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
};

async function run(algorithm: Record<string, unknown>, kind: 'memory' | 'mqtt', rounds = 4) {
  const cfg = parseExperimentConfig({ ...base, rounds, algorithm, transport: { kind, roundTimeoutMs: 30_000 } });
  return observeExperiment(cfg, { log: nullLog });
}

test('local-SADMM reaches 88 % held-out accuracy on digits within 6 rounds; STOC-ADMM with the same step is far behind', async () => {
  const local = await run({ name: 'local-sadmm', localSteps: 20, lr: 0.1, batchSize: 16, rho: 1, beta: 0.001 }, 'memory', 6);
  const stoc = await run({ name: 'stoc-admm', lr: 0.1, batchSize: 16, rho: 1, beta: 0.001 }, 'memory', 6);
  const acc = (r: typeof local.record) => r.rounds.map((x) => x.accuracy!);
  assert.ok(acc(local.record)[5]! >= 0.88, `local-SADMM accuracy ${acc(local.record).join(', ')}`);
  assert.ok(acc(stoc.record)[5]! < acc(local.record)[5]! - 0.2, `STOC-ADMM ${acc(stoc.record).join(', ')} vs local ${acc(local.record).join(', ')}`);
  // Every worker uploads one float32 vector per round; the server broadcasts one.
  const dim = local.record.model.dim;
  assert.equal(local.record.totals.payloadBits, 6 * (4 + 1) * 32 * dim);
});

test('local-SADMM: the same seed gives the same models under the memory and the MQTT driver', async () => {
  const algorithm = { name: 'local-sadmm', localSteps: 5, lr: 0.05, batchSize: 16, rho: 1, beta: 0.001 };
  const mem = await run(algorithm, 'memory');
  const mqtt = await run(algorithm, 'mqtt');
  assertSameModels(mqtt, mem, 4);
  assert.deepEqual(mqtt.record.links, mem.record.links);
});
