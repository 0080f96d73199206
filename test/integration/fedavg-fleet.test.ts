import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { runExperiment } from '@edgefl/lab';
import type { RoundRecord } from '@edgefl/runtime';
import type { BrokerCounters, ClientTraffic } from '@edgefl/gateway';
import { assertSameModels, observeExperiment } from '../helpers/observed-run.js';

const base = { job: 'fleet-test', seed: 7, rounds: 3, fleet: { devices: 4 }, algorithm: { localSteps: 5, lr: 0.1, batchSize: 32 } };

async function run(kind: 'memory' | 'mqtt') {
  const cfg = parseExperimentConfig({ ...base, transport: { kind, roundTimeoutMs: 30_000 } });
  return observeExperiment(cfg, { log: nullLog });
}

test('gateway + 4 agents over real MQTT: 3 rounds, loss falls and accuracy rises', async () => {
  const { record, broker } = await run('mqtt');
  assert.equal(record.format, 'edgefl-run/1');
  assert.equal(record.rounds.length, 3);
  const [r1, , r3] = record.rounds as [RoundRecord, RoundRecord, RoundRecord];
  assert.ok(r3.loss < r1.loss, `loss ${r1.loss} → ${r3.loss}`);
  assert.ok(r3.accuracy! > r1.accuracy!, `accuracy ${r1.accuracy} → ${r3.accuracy}`);
  // Every device sent 3 updates and received 3 broadcasts.
  assert.equal(record.links.length, 8);
  for (const l of record.links) assert.equal(l.messages, 3, `${l.from}→${l.to}`);
  // 8-bit uniform uplink: b·d + 64 bits per update (two float32 side values).
  const up = record.links.find((l) => l.from === 'dev-01')!;
  assert.equal(up.payloadBits, 3 * (8 * record.model.dim + 64));
  assert.equal(record.totals.payloadBits, record.rounds.reduce((s, r) => s + r.payloadBits, 0));
  // The wire bytes counted where messages are sent equal what the broker saw on each device's data topics.
  const counters = broker as BrokerCounters | undefined;
  assert.ok(counters);
  for (const l of record.links) {
    const device = l.from === 'gateway' ? l.to : l.from;
    const seen: ClientTraffic['byKind'] = counters.get(`edgefl-${base.job}-${device}`).byKind;
    const brokerBytes: number | undefined = l.from === 'gateway' ? seen['down']?.delivered.bytes : seen['up']?.received.bytes;
    assert.equal(l.wireBytes, brokerBytes, `${l.from}→${l.to}`);
  }
  assert.equal(record.totals.wireBytes, record.links.reduce((s, l) => s + l.wireBytes, 0));
});

test('the same seed gives the same model under the memory and the MQTT driver', async () => {
  const mem = await run('memory');
  const mqtt = await run('mqtt');
  assertSameModels(mqtt, mem, 3);
  assert.deepEqual(mqtt.rounds.map((r) => r.loss), mem.rounds.map((r) => r.loss));
  // The lab counts the bytes the fleet carries.
  assert.deepEqual(mqtt.record.links, mem.record.links);
});

test('updates over the broker\'s message limit are chunked to the limit the gateway announces', async () => {
  const cfg = parseExperimentConfig({
    ...base, job: 'chunked', rounds: 2, fleet: { devices: 2 }, codec: { up: { id: 'float32' } },
    transport: { kind: 'mqtt', maxMessageBytes: 4096, roundTimeoutMs: 30_000 },
  });
  let counters: BrokerCounters | undefined = undefined as BrokerCounters | undefined;
  const record = await runExperiment(cfg, { log: nullLog, onBrokerCounters: (c) => (counters = c) });
  assert.equal(record.rounds.length, 2);
  assert.ok(counters);
  const c: BrokerCounters = counters;
  // Float32 vectors of a 2410-parameter model are 9640 bytes: 3 chunks per message, both ways
  // (the agents learned the limit from the job announcement; the broker refuses larger publishes).
  const seen: ClientTraffic = c.get('edgefl-chunked-dev-01');
  assert.equal(seen.byKind['down']!.delivered.messages, 2 * 3);
  assert.equal(seen.byKind['up']!.received.messages, 2 * 3);
  const down = record.links.find((l) => l.to === 'dev-01')!;
  assert.equal(down.messages, 2);
  assert.equal(down.wireBytes, seen.byKind['down']!.delivered.bytes);
  assert.equal(c.get('edgefl-chunked-dev-01').refused.messages, 0);
});
