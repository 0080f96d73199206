import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetClient, filters, topics } from '@edgefl/transport';
import { CaptureLog, patternBytes, until } from './broker-helpers.js';
import { freePort, startMosquitto, type Daemon } from '../helpers/daemons.js';

/**
 * Interop: the same FleetClient against Debian's Mosquitto (the promise that the
 * aggregator and agents run against any MQTT broker). Mosquitto's packet limit is set to
 * the chunk limit plus header room, so a chunk that overshot would cost the connection.
 */
const JOB = 'mosq';
const LIMIT = 256 * 1024;
let broker: Daemon;
let url: string;
let dir: string;

before(async () => {
  const port = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'edgefl-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  // MQTT fixed header + topic + packet id stay well under 1 kB for edgefl topics.
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `max_packet_size ${LIMIT + 1024}`, 'persistence false', ''].join('\n'));
  broker = await startMosquitto(conf);
  url = `mqtt://127.0.0.1:${port}`;
});

after(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

const open: FleetClient[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(device: string, extra: { reconnectPeriodMs?: number; log?: CaptureLog } = {}): Promise<FleetClient> {
  const c = await FleetClient.connect({
    url,
    clientId: `${JOB}-${device}`,
    job: JOB,
    device,
    maxMessageBytes: LIMIT,
    qos: 1,
    ...(extra.log ? { logger: extra.log } : {}),
    ...(extra.reconnectPeriodMs ? { reconnectPeriodMs: extra.reconnectPeriodMs } : {}),
  });
  open.push(c);
  return c;
}

test('mosquitto: up, down, link round trips and a 5 MB chunked message, bit-exact', async () => {
  const agg = await connect('gateway');
  const d1 = await connect('m-01');
  const d2 = await connect('m-02');
  const toAgg: Uint8Array[] = [];
  const toD1: [string, Uint8Array][] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void toAgg.push(b));
  await d1.subscribe([...filters.deviceInbox(JOB, 'm-01'), filters.linksTo(JOB, 'm-01')], (t, b) => void toD1.push([t, b]));
  const big = patternBytes(5 * 1024 * 1024, 21);
  const receipt = await d2.publish(topics.up(JOB, 'm-02'), big);
  assert.equal(receipt.packets, Math.ceil(big.length / (LIMIT - 17)));
  await agg.publish(topics.down(JOB, 'm-01'), patternBytes(100, 22));
  await d2.publish(topics.link(JOB, 'm-02', 'm-01'), patternBytes(300_000, 23));
  await until(() => toAgg.length === 1 && toD1.length === 2, 'every delivery', 20_000);
  assert.ok(Buffer.from(toAgg[0]!).equals(Buffer.from(big)), '5 MB message differs after mosquitto');
  const byTopic = new Map(toD1.map(([t, b]) => [t, new Uint8Array(b)]));
  assert.deepEqual(byTopic.get(topics.down(JOB, 'm-01')), patternBytes(100, 22));
  assert.deepEqual(byTopic.get(topics.link(JOB, 'm-02', 'm-01')), patternBytes(300_000, 23));
  // Mosquitto forwards the same PUBLISH bytes: what d2 sent on the link is what d1 received on it.
  const sent = d2.ledger.get({ from: 'm-02', to: 'm-01' })!;
  const got = d1.received.get({ from: 'm-02', to: 'm-01' })!;
  assert.deepEqual([got.packets, got.wireBytes], [sent.packets, sent.wireBytes]);
});

test('mosquitto: retained status and last will', async () => {
  const watcher = await connect('gateway');
  const statuses: string[] = [];
  await watcher.subscribe(topics.status(JOB, 'm-will'), (_t, b) => void statuses.push(Buffer.from(b).toString()));
  const dev = await connect('m-will', { reconnectPeriodMs: 300 });
  await until(() => statuses.length === 1, 'online');
  dev.raw.stream.destroy();
  await until(() => statuses.length >= 2, 'the last will');
  assert.deepEqual(statuses.slice(0, 2), ['online', 'offline']);
  await until(() => statuses.length >= 3, 'online after reconnect');
  assert.equal(statuses[2], 'online');
});

test('mosquitto: hostile frames are rejected by the receiving client with a logged reason', async () => {
  const log = new CaptureLog();
  const agg = await connect('gateway', { log });
  const got: Uint8Array[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
  const evil = await connect('m-evil');
  const topic = topics.up(JOB, 'm-evil');
  await evil.raw.publishAsync(topic, Buffer.from(patternBytes(64, 9)), { qos: 1 });
  await evil.raw.publishAsync(topic, Buffer.from([0xe1, 0, 0, 0, 1]), { qos: 1 });
  await evil.publish(topic, patternBytes(16, 10));
  await until(() => got.length === 1, 'the good message');
  assert.deepEqual(new Uint8Array(got[0]!), patternBytes(16, 10));
  assert.equal(agg.stats.rejected, 2);
  assert.equal(log.problems('malformed frame').length, 2);
});
