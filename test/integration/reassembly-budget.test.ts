import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startBroker } from '@edgefl/gateway';
import { FleetClient, encodeChunk, filters, topics } from '@edgefl/transport';
import { loadAgentConfig, loadGatewayConfig } from '@edgefl/config';
import { CaptureLog, patternBytes, until } from './broker-helpers.js';

const JOB = 'budget';

test('reassembly budget over aedes: unfinished chunked messages beyond it are dropped and logged (rate-limited); a whole message still arrives', async () => {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 256 * 1024, logger: new CaptureLog() });
  const log = new CaptureLog();
  // A receiver with a 2000-byte budget: it holds at most four 500-byte halves of 1000-byte messages.
  const agg = await FleetClient.connect({
    url: broker.url, clientId: `${JOB}-gateway`, job: JOB, device: 'gateway', maxMessageBytes: 256 * 1024, qos: 1, logger: log,
    reassembly: { maxMessageBytes: 1000, maxPartialBytes: 2000 },
  });
  const raw = await mqtt.connectAsync(broker.url, { clientId: `${JOB}-raw`, protocolVersion: 4 });
  try {
    const got: Uint8Array[] = [];
    await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
    // 40 senders each send the first half of a message and never the rest.
    for (let s = 0; s < 40; s++) {
      await raw.publishAsync(topics.up(JOB, `junk-${s}`), Buffer.from(encodeChunk(s + 1, 0, 2, 1000, patternBytes(500, s))), { qos: 1 });
    }
    await until(() => agg.stats.reassemblyDrops === 36, `36 partials dropped (${agg.stats.reassemblyDrops})`);
    const lines = log.lines.filter((l) => l.msg.startsWith('partial chunked message dropped'));
    assert.ok(lines.length >= 1 && lines.length <= 10, `logged, rate-limited: ${lines.length} lines for 36 drops`);
    assert.equal(lines[0]!.obj['budgetBytes'], 2000);
    // a genuine chunked message still completes
    const dev = topics.up(JOB, 'dev-01');
    await raw.publishAsync(dev, Buffer.from(encodeChunk(99, 0, 2, 1000, patternBytes(500, 7))), { qos: 1 });
    await raw.publishAsync(dev, Buffer.from(encodeChunk(99, 1, 2, 1000, patternBytes(500, 8))), { qos: 1 });
    await until(() => got.length === 1, 'the whole message');
    assert.deepEqual(new Uint8Array(got[0]!), Uint8Array.from([...patternBytes(500, 7), ...patternBytes(500, 8)]));
  } finally {
    await raw.endAsync(true);
    await agg.close();
    await broker.close();
  }
});

test('reassembly budget is a per-role setting: 32 MiB on agents, 256 MiB on the gateway', () => {
  const agent = loadAgentConfig('configs/agent.yaml', ['device=dev-01']);
  assert.equal(agent.limits.reassemblyBytes, 32 * 1024 * 1024);
  assert.equal(loadAgentConfig('configs/agent.yaml', ['device=dev-01', 'limits.reassemblyBytes=8388608']).limits.reassemblyBytes, 8 * 1024 * 1024);
  assert.throws(() => loadAgentConfig('configs/agent.yaml', ['device=dev-01', 'limits.reassemblyBytes=10']), /limits\.reassemblyBytes/);
  assert.equal(loadGatewayConfig('configs/gateway.yaml').limits.reassemblyBytes, 256 * 1024 * 1024);
});
