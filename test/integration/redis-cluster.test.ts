import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceIds, parseExperimentConfig } from '@edgefl/config';
import { nullLog } from '@edgefl/core';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway, startSecureBroker } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { runExperiment } from '@edgefl/lab';
import { CaptureLog, fleetCredentials } from './broker-helpers.js';
import { startRedis } from '../helpers/daemons.js';

/**
 * Scale-out: two aedes gateways sharing state through Redis (mqemitter-redis +
 * aedes-persistence-redis) run one job, half the devices on each; the aggregator sits on
 * gateway A. The model ends bit-identical to the same job in memory.
 */
test('two gateways sharing Redis run one job with the devices split across them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-redis-'));
  const redis = await startRedis(dir);
  const cfg = parseExperimentConfig({
    job: 'cluster', seed: 4, rounds: 3, fleet: { devices: 4 }, model: { kind: 'mlp', hidden: [8] },
    transport: { kind: 'mqtt', qos: 1, roundTimeoutMs: 30_000 },
  });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const creds = await fleetCredentials(devices);
  const log = new CaptureLog();
  const cluster = { redis: redis.url };
  const a = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, cluster, experiment: cfg, devices, log: log.child({ gw: 'A' }), data,
    readyTimeoutMs: 30_000, evaluateRounds: false,
  });
  const b = await startSecureBroker({ listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, cluster, experiment: cfg, log: log.child({ gw: 'B' }) });
  try {
    const agents = await Promise.all(devices.map((device, i) => startAgent({
      url: i < 2 ? a.url : b.url, device, job: cfg.job, log, data: data.shards[i]!, jobTimeoutMs: 30_000, ...creds.login(device),
      // persistent sessions do not work with the cluster's Redis stores yet (docs/reliability.md)
      session: 'clean',
    })));
    const final = await a.aggregator.done;
    await Promise.all(agents.map((x) => x.done));
    for (const x of agents) await x.close();

    // Devices 3 and 4 sent their updates through gateway B, and got the model through it.
    for (const d of ['dev-03', 'dev-04']) {
      const t = b.broker.counters.get(`edgefl-cluster-${d}`);
      assert.ok(t.byKind['up']!.received.messages >= 3, `${d} sent ${t.byKind['up']?.received.messages} updates through B`);
      assert.ok(t.byKind['down']!.delivered.messages >= 3, `${d} got the model through B`);
      assert.equal(a.broker.counters.get(`edgefl-cluster-${d}`).received.messages, 0);
    }
    let reference: Float32Array | undefined;
    await runExperiment({ ...cfg, transport: { ...cfg.transport, kind: 'memory' } }, { log: nullLog, onModel: (_r, m) => (reference = m) });
    assert.deepEqual(final, reference, 'the split fleet computes the same model as the job in memory');
  } finally {
    await a.close();
    await b.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
