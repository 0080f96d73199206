import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { startBroker } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { TransportError, topics } from '@edgefl/transport';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('an agent refused the job topic fails at once as a TransportError, leaving no job timer behind', async () => {
  const broker = await startBroker({
    host: '127.0.0.1', port: 0, maxMessageBytes: 262_144, authorizeSubscribe: (_client, filter) => filter !== topics.ctl('locked'),
  });
  try {
    const before = timers();
    await assert.rejects(
      startAgent({
        url: broker.url, device: 'dev-01', job: 'locked', log: nullLog, jobTimeoutMs: 600_000,
        data: { name: 'tiny', n: 1, features: 1, x: new Float32Array(1), y: new Float32Array(1), classes: 2 },
      }),
      (e: unknown) => e instanceof TransportError && /refused the subscription to edgefl\/v1\/locked\/ctl/.test(e.message),
    );
    assert.equal(timers(), before, 'the 10-minute job timer was left running');
  } finally {
    await broker.close();
  }
});

test('an agent publishes at the QoS and chunk size of the job the gateway announces, not fixed ones', async () => {
  const { parseExperimentConfig, deviceIds } = await import('@edgefl/config');
  const { prepareFederatedData } = await import('@edgefl/data');
  const { startGateway } = await import('@edgefl/gateway');
  // float32 updates of the 2410-parameter model: 9640 bytes, 3 chunks at 4096
  const cfg = parseExperimentConfig({
    job: 'qos0', seed: 3, rounds: 2, fleet: { devices: 1 }, codec: { up: { id: 'float32' } },
    transport: { qos: 0, maxMessageBytes: 4096, roundTimeoutMs: 20_000 },
  });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, 1, cfg.seed);
  const gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, experiment: cfg, devices, log: nullLog, data, readyTimeoutMs: 20_000 });
  const ups: { qos: number; bytes: number }[] = [];
  gw.broker.aedes.on('publish', (packet, client) => {
    if (client?.id === 'edgefl-qos0-dev-01' && packet.topic === topics.up('qos0', 'dev-01')) ups.push({ qos: packet.qos, bytes: packet.payload.length });
  });
  try {
    const agent = await startAgent({ url: gw.url, device: 'dev-01', job: 'qos0', log: nullLog, data: data.shards[0]!, jobTimeoutMs: 20_000 });
    await Promise.all([agent.done, gw.aggregator.done]);
    await agent.close();
    assert.equal(ups.length, 2 * 3, JSON.stringify(ups));
    assert.deepEqual([...new Set(ups.map((u) => u.qos))], [0]);
    assert.ok(ups.every((u) => u.bytes <= 4096));
  } finally {
    await gw.close();
  }
});
