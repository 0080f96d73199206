import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { startBroker, type RunningGateway } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { TransportError, decodeFrame, topics } from '@edgefl/transport';

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
  const { startMqttJob } = await import('../helpers/mqtt-job.js');
  // float32 updates of the 2410-parameter model: 9640 bytes, 3 chunks at 4096
  const job = await startMqttJob({
    job: 'qos0', seed: 3, rounds: 2, fleet: { devices: 1 }, codec: { up: { id: 'float32' } },
    transport: { qos: 0, maxMessageBytes: 4096, roundTimeoutMs: 20_000 },
  });
  const ups: { qos: number; bytes: number }[] = [];
  job.gateway.broker.aedes.on('publish', (packet, client) => {
    if (client?.id === 'edgefl-qos0-dev-01' && packet.topic === topics.up('qos0', 'dev-01')) ups.push({ qos: packet.qos, bytes: packet.payload.length });
  });
  try {
    await job.agent('dev-01');
    await job.finished();
    assert.equal(ups.length, 2 * 3, JSON.stringify(ups));
    assert.deepEqual([...new Set(ups.map((u) => u.qos))], [0]);
    assert.ok(ups.every((u) => u.bytes <= 4096));
  } finally {
    await job.close();
  }
});

test('the gateway announces a job\'s start and end at the job\'s QoS and keeps each round\'s clock in its broker\'s retained store: no device receives it', async () => {
  const { startMqttJob } = await import('../helpers/mqtt-job.js');
  const { decodeJobAnnouncement } = await import('@edgefl/runtime');
  const { retainedClock, until } = await import('./broker-helpers.js');
  // The gateway's monitor follows the clock although nobody receives it (its round as each round ends).
  const monitored: string[] = [];
  let gateway: RunningGateway | undefined;
  const job = await startMqttJob({ job: 'clock', seed: 3, rounds: 3, fleet: { devices: 2 }, transport: { qos: 1, roundTimeoutMs: 20_000 } }, {
    gateway: { onRoundEnd: (round) => { const s = gateway!.monitor.links.snapshot(); monitored.push(`${round}: ${s.state} ${s.round}`); } },
  });
  gateway = job.gateway;
  const published: string[] = [];
  job.gateway.broker.aedes.on('publish', (packet, client) => {
    if (client !== null && packet.topic === topics.ctl('clock')) {
      const frame = decodeFrame(packet.payload as Buffer);
      assert.equal(frame.kind, 'whole');
      const a = decodeJobAnnouncement(frame.kind === 'whole' ? frame.body : new Uint8Array());
      published.push(`${a.state} ${a.round} qos ${packet.qos}`);
    }
  });
  const retained = retainedClock(job.gateway.broker.aedes, 'clock');
  try {
    await Promise.all(job.devices.map((d) => job.agent(d)));
    await job.finished();
    // aedes reports a publish once it has delivered it, which can be after the job's end
    await until(() => published.some((c) => c.startsWith('done')), 'the done announcement');
    // the announcement before any device was ready went out before the listeners above
    assert.deepEqual(published, ['done 3 qos 1']);
    // what a device (re)joining would have read: each round's clock as the round ran
    assert.deepEqual(retained, ['running 1', 'running 2', 'running 3', 'done 3']);
    assert.deepEqual(monitored, ['1: running 1', '2: running 2', '3: running 3']);
    // so a device received the job twice: the retained announcement as it subscribed, and the done one
    for (const d of job.devices) assert.equal(job.gateway.broker.counters.get(`edgefl-clock-${d}`).byKind['ctl']?.delivered.messages, 2);
  } finally {
    await job.close();
  }
});

test('an agent waiting for its job gives up once the broker is gone for giveUpAfterMs: GatewayLostError, no timer left, no error-level spam', async () => {
  const { GatewayLostError } = await import('@edgefl/agent');
  const { CaptureLog, until } = await import('./broker-helpers.js');
  const before = timers();
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 262_144 });
  const log = new CaptureLog();
  const starting = startAgent({
    url: broker.url, device: 'dev-01', job: 'nobody', log, jobTimeoutMs: 600_000, giveUpAfterMs: 1500,
    data: { name: 'tiny', n: 1, features: 1, x: new Float32Array(1), y: new Float32Array(1), classes: 2 },
  });
  starting.catch(() => undefined);
  let subscribed = false;
  broker.aedes.on('subscribe', () => (subscribed = true));
  await until(() => subscribed, 'the agent to subscribe to its job');
  await broker.close();
  await assert.rejects(starting, (e: unknown) => e instanceof GatewayLostError && e.exitCode === 1 &&
    /gave up reconnecting to the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ after \d+ s down/.test(e.message));
  assert.equal(timers(), before, 'the 10-minute job timer or a reconnect timer was left running');
  // one warn when lost, one per failed attempt, one error when giving up; mqtt.js's own errors at debug
  assert.deepEqual(log.lines.filter((l) => l.level === 'error').map((l) => l.msg), ['gave up reconnecting']);
  assert.ok(log.lines.filter((l) => l.level === 'warn').length <= 3, JSON.stringify(log.lines.filter((l) => l.level === 'warn')));
});
