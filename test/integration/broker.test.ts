import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '@edgefl/gateway';
import type { RunningBroker } from '@edgefl/gateway';
import { connect as netConnect, createServer as netServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { DedupeSet, FleetClient, TransportError, encodeChunk, encodeWhole, filters, splitMessage, topics } from '@edgefl/transport';
import type { Shaper } from '@edgefl/transport';
import { ConfigError, MAX_MESSAGE_BYTES, parseExperimentConfig } from '@edgefl/config';
import { CaptureLog, patternBytes, until } from './broker-helpers.js';
import type { LogLine } from './broker-helpers.js';

const JOB = 'itest';
const LIMIT = 256 * 1024;
let broker: RunningBroker;
const brokerLog = new CaptureLog();

before(async () => {
  broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: LIMIT, logger: brokerLog });
});
after(async () => {
  await broker.close();
});

const open: FleetClient[] = [];
const raws: mqtt.MqttClient[] = [];
afterEach(async () => {
  // Close what a test (or a failed test) left open, so the file still ends.
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const r of raws.splice(0)) r.end(true);
});

async function connect(device: string, log = new CaptureLog()): Promise<FleetClient> {
  const c = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-${device}`, job: JOB, device, maxMessageBytes: LIMIT, qos: 1, logger: log });
  open.push(c);
  return c;
}

test('a message published on up/{device} reaches the aggregator unchanged', async () => {
  const agg = await connect('gateway');
  const dev = await connect('dev-01');
  const got: [string, Uint8Array][] = [];
  await agg.subscribe(filters.allUp(JOB), (t, b) => void got.push([t, b]));
  const msg = patternBytes(1000, 7);
  await dev.publish(topics.up(JOB, 'dev-01'), msg, { link: { from: 'dev-01', to: 'gateway', payloadBits: 8000 } });
  await until(() => got.length === 1, 'the up message');
  assert.equal(got[0]![0], topics.up(JOB, 'dev-01'));
  assert.deepEqual(new Uint8Array(got[0]![1]), msg);
});

test('a 5 MB message with a 256 kB limit is chunked and reassembled bit-exactly', async () => {
  const agg = await connect('gateway');
  const dev = await connect('dev-02');
  const got: Uint8Array[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
  const msg = patternBytes(5 * 1024 * 1024, 99);
  const receipt = await dev.publish(topics.up(JOB, 'dev-02'), msg);
  assert.equal(receipt.packets, Math.ceil(msg.length / (LIMIT - 17)));
  await until(() => got.length === 1, 'the reassembled message');
  assert.equal(got[0]!.length, msg.length);
  assert.ok(Buffer.from(got[0]!).equals(Buffer.from(msg)), 'bytes differ after reassembly');
  assert.equal(brokerLog.problems('publish refused').length, 0);
});

async function rawClient(clientId: string): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId, reconnectPeriod: 0 });
  raws.push(c);
  return c;
}

test('every topic kind round-trips between clients; ctl is retained for late joiners', async () => {
  const agg = await connect('gateway');
  const d1 = await connect('rt-01');
  const d2 = await connect('rt-02');
  const seen: string[] = [];
  const record = (who: string) => (t: string, b: Uint8Array): void => void seen.push(`${who} ${t} ${Buffer.from(b).toString()}`);
  await agg.subscribe([filters.allUp(JOB), filters.allTelemetry(JOB)], record('agg'));
  await d1.subscribe([...filters.deviceInbox(JOB, 'rt-01'), filters.linksTo(JOB, 'rt-01')], record('d1'));
  await d2.subscribe(filters.deviceInbox(JOB, 'rt-02'), record('d2'));
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  await agg.publish(topics.ctl(JOB), text('spec'), { retain: true });
  await agg.publish(topics.down(JOB), text('model'));
  await agg.publish(topics.down(JOB, 'rt-02'), text('for-d2'));
  await d1.publish(topics.up(JOB, 'rt-01'), text('update'));
  await d2.publish(topics.link(JOB, 'rt-02', 'rt-01'), text('peer'));
  await d1.publish(topics.telemetry(JOB, 'rt-01'), text('tele'));
  const expected = [
    `d1 ${topics.ctl(JOB)} spec`,
    `d2 ${topics.ctl(JOB)} spec`,
    `d1 ${topics.down(JOB)} model`,
    `d2 ${topics.down(JOB)} model`,
    `d2 ${topics.down(JOB, 'rt-02')} for-d2`,
    `agg ${topics.up(JOB, 'rt-01')} update`,
    `d1 ${topics.link(JOB, 'rt-02', 'rt-01')} peer`,
    `agg ${topics.telemetry(JOB, 'rt-01')} tele`,
  ];
  await until(() => seen.length >= expected.length, 'every delivery');
  assert.deepEqual([...seen].sort(), [...expected].sort());
  // A late joiner gets the retained ctl message on subscribe.
  const late = await connect('rt-03');
  const lateSeen: string[] = [];
  await late.subscribe(topics.ctl(JOB), (_t, b) => void lateSeen.push(Buffer.from(b).toString()));
  await until(() => lateSeen.length === 1, 'the retained ctl');
  assert.deepEqual(lateSeen, ['spec']);
  // Clearing the retained ctl reaches current subscribers as an empty payload: ignored, not an error.
  const before = [d1.stats.messages, late.stats.messages];
  await agg.clearRetained(topics.ctl(JOB));
  await until(() => late.received.get({ from: 'gateway', to: '*' })!.packets === 2, 'the clear to arrive');
  assert.deepEqual([d1.stats.messages, late.stats.messages], before);
  assert.equal(d1.stats.rejected + late.stats.rejected, 0);
  // A retained message must fit one PUBLISH: the broker keeps only the last one per topic.
  await assert.rejects(agg.publish(topics.ctl(JOB), new Uint8Array(LIMIT), { retain: true }), /retains only one PUBLISH per topic/);
});

test('storeRetained keeps a message for later subscribers and delivers it to nobody now; the next publish of the same client is no repeat of it', async () => {
  const agg = await connect('gateway');
  const live = await connect('sr-01');
  const liveSeen: string[] = [];
  await live.subscribe(topics.ctl(JOB), (_t, b) => void liveSeen.push(Buffer.from(b).toString()));
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const deliveredBefore = broker.counters.totals().delivered.messages;
  await agg.storeRetained(topics.ctl(JOB), text('clock 7'), broker.storeRetained);
  // A client that subscribes now reads it, as a retained publish.
  const late = await connect('sr-02');
  const lateSeen: string[] = [];
  await late.subscribe(topics.ctl(JOB), (_t, b) => void lateSeen.push(Buffer.from(b).toString()));
  await until(() => lateSeen.length === 1, 'the stored retained message');
  assert.deepEqual(lateSeen, ['clock 7']);
  // The subscriber that was there all along got nothing; the only delivery was the late one's.
  assert.deepEqual(liveSeen, []);
  assert.equal(broker.counters.totals().delivered.messages - deliveredBefore, 1);
  // Framed with the client's next message id: its next publish reaches the late subscriber too.
  await agg.publish(topics.ctl(JOB), text('done'), { retain: true });
  await until(() => lateSeen.length === 2 && liveSeen.length === 1, 'the next publish');
  assert.deepEqual([lateSeen, liveSeen], [['clock 7', 'done'], ['done']]);
  assert.equal(late.stats.duplicates, 0);
  // Too large for one PUBLISH: refused like a retained publish.
  await assert.rejects(agg.storeRetained(topics.ctl(JOB), new Uint8Array(LIMIT), broker.storeRetained), /retains only one PUBLISH per topic/);
  await agg.clearRetained(topics.ctl(JOB));
});

test('duplicate chunks and QoS 1 replays are delivered once', async () => {
  const agg = await connect('gateway');
  const got: Uint8Array[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
  const raw = await rawClient(`${JOB}-dup-raw`);
  const topic = topics.up(JOB, 'dup-01');
  const msg = patternBytes(1000, 3);
  const frames = splitMessage(77, msg, 300);
  // Every chunk twice, out of order, then a replay of the first (a QoS 1 redelivery carries the same frame).
  for (const i of [2, 0, 2, 1, 0, 3, 1, 3]) await raw.publishAsync(topic, Buffer.from(frames[i]!), { qos: 1 });
  await raw.publishAsync(topic, Buffer.from(frames[0]!), { qos: 1, dup: true });
  const whole = splitMessage(78, patternBytes(10, 4), 300)[0]!;
  await raw.publishAsync(topic, Buffer.from(whole), { qos: 1 });
  await raw.publishAsync(topic, Buffer.from(whole), { qos: 1, dup: true });
  await until(() => agg.stats.duplicates === 6, 'the duplicates to be counted');
  assert.equal(got.length, 2);
  assert.deepEqual(new Uint8Array(got[0]!), msg);
  assert.deepEqual(new Uint8Array(got[1]!), patternBytes(10, 4));
  // Above the transport, the envelope key (sender, round, phase, seq) drops a re-sent update.
  const seen = new DedupeSet(16);
  assert.deepEqual([seen.firstSeen('dup-01', 1, 0, 5), seen.firstSeen('dup-01', 1, 0, 5)], [true, false]);
});

test('hostile frames are rejected with a logged reason; the receiver keeps working', async () => {
  const log = new CaptureLog();
  const agg = await connect('gateway', log);
  const got: Uint8Array[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
  const raw = await rawClient(`${JOB}-evil`);
  const topic = topics.up(JOB, 'evil-01');
  const hostile: Uint8Array[] = [
    patternBytes(300, 5),
    Uint8Array.of(0xe1, 0, 0, 0, 1, 0, 0, 0),
    encodeChunk(1, 0, 0xffffffff, 100, patternBytes(10)),
    encodeChunk(2, 0, 2, 0xffffffff, patternBytes(10)),
    encodeChunk(3, 9, 3, 100, patternBytes(10)),
  ];
  for (const h of hostile) await raw.publishAsync(topic, Buffer.from(h), { qos: 1 });
  // A topic inside the scheme that breaks it.
  await raw.publishAsync(`edgefl/v1/${JOB}/up/a/b`, Buffer.from(encodeWhole(9, patternBytes(4))), { qos: 1 });
  await agg.subscribe(`edgefl/v1/${JOB}/up/+/+`, () => assert.fail('a malformed topic must not reach a handler'));
  await raw.publishAsync(`edgefl/v1/${JOB}/up/a/b`, Buffer.from(encodeWhole(9, patternBytes(4))), { qos: 1 });
  // The receiver still takes a good message afterwards.
  await raw.publishAsync(topic, Buffer.from(encodeWhole(10, patternBytes(8, 6))), { qos: 1 });
  await until(() => got.length === 1, 'the good message');
  assert.deepEqual(new Uint8Array(got[0]!), patternBytes(8, 6));
  assert.equal(agg.stats.rejected, hostile.length + 1);
  assert.equal(log.problems('message rejected').length, hostile.length + 1);
  assert.equal(log.problems('not an edgefl frame').length, 1);
  assert.equal(log.problems('shorter than its 17-byte header').length, 1);
  assert.equal(log.problems('exceeds the message length').length, 1);
  assert.equal(log.problems('over maxMessageBytes').length, 1);
  assert.equal(log.problems('is not below the chunk count').length, 1);
  assert.equal(log.problems('is not in the edgefl/v1 scheme').length, 1);
  assert.equal(agg.stats.handlerErrors, 0);
});

test('a handler that throws is logged and does not stop delivery', async () => {
  const log = new CaptureLog();
  const agg = await connect('gateway', log);
  const got: number[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => {
    got.push(b.length);
    if (b.length === 1) throw new Error('boom');
  });
  await agg.subscribe(filters.allUp(JOB), async () => Promise.reject(new Error('async boom')));
  const dev = await connect('thr-01');
  await dev.publish(topics.up(JOB, 'thr-01'), new Uint8Array(1));
  await dev.publish(topics.up(JOB, 'thr-01'), new Uint8Array(2));
  await until(() => got.length === 2 && agg.stats.handlerErrors === 3, 'both deliveries');
  assert.equal(log.problems('boom').length, 3);
});

test('a publish over the broker limit is refused with a logged reason; garbage on a socket does not hurt the broker', async () => {
  const refusals = (): LogLine[] => brokerLog.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('publish refused'));
  const refusedBefore = refusals().length;
  const raw = await rawClient(`${JOB}-big`);
  const closed = new Promise<void>((r) => raw.once('close', () => r()));
  raw.publish(topics.up(JOB, 'big-01'), Buffer.alloc(LIMIT + 1), { qos: 0 });
  await closed;
  const refused = refusals();
  assert.equal(refused.length, refusedBefore + 1);
  assert.match(refused.at(-1)!.msg, /payload of 262145 bytes exceeds the broker limit of 262144 bytes/);
  assert.equal(broker.counters.get(`${JOB}-big`).refused.messages, 1);
  assert.equal(broker.counters.get(`${JOB}-big`).received.messages, 0);

  // Bytes that are not MQTT at all, and a CONNECT cut short.
  for (const junk of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f]), patternBytes(4096, 11)]) {
    const s = netConnect(broker.port, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.on('error', () => {});
    s.end(junk);
    await new Promise<void>((r) => s.once('close', () => r()));
  }
  // Still serving.
  const a = await connect('alive-01');
  const b = await connect('gateway');
  const got: Uint8Array[] = [];
  await b.subscribe(filters.allUp(JOB), (_t, m) => void got.push(m));
  await a.publish(topics.up(JOB, 'alive-01'), patternBytes(5));
  await until(() => got.length === 1, 'a message after the junk');
});

test("each client's ledger equals the broker's counters for the same traffic, byte for byte", async () => {
  // A fresh broker, so its counters hold only this test's traffic.
  const b2 = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  const clients: FleetClient[] = [];
  try {
    const mk = async (device: string, qos: 0 | 1): Promise<FleetClient> => {
      const c = await FleetClient.connect({ url: b2.url, clientId: `cnt-${device}`, job: JOB, device, maxMessageBytes: 64 * 1024, qos });
      clients.push(c);
      return c;
    };
    const agg = await mk('gateway', 1);
    const d1 = await mk('cnt-01', 1);
    const d2 = await mk('cnt-02', 0);
    let delivered = 0;
    const count = (): void => void delivered++;
    await agg.subscribe([filters.allUp(JOB), filters.allStatus(JOB)], count);
    await d1.subscribe([...filters.deviceInbox(JOB, 'cnt-01'), filters.linksTo(JOB, 'cnt-01')], count);
    await d2.subscribe(filters.deviceInbox(JOB, 'cnt-02'), count);
    // Retained status of all three reach agg on subscribe; that is counted as delivered too.
    await d1.publish(topics.up(JOB, 'cnt-01'), patternBytes(200_000, 1), { link: { from: 'cnt-01', to: 'gateway', payloadBits: 1_600_000 } });
    await d2.publish(topics.up(JOB, 'cnt-02'), patternBytes(1_000, 2));
    await agg.publish(topics.down(JOB), patternBytes(150_000, 3));
    await agg.publish(topics.down(JOB, 'cnt-02'), patternBytes(10, 4));
    await d2.publish(topics.link(JOB, 'cnt-02', 'cnt-01'), patternBytes(70_000, 5));
    // agg: 3 retained statuses + 2 up; d1: broadcast down + link; d2: broadcast down + its own down.
    await until(() => delivered === 9, 'every delivery');
    await until(() => clients.every((c) => c.received.totals().wireBytes === b2.counters.get(`cnt-${c.device}`).delivered.bytes), 'the last delivery to be counted');
    for (const c of clients) {
      const counted = b2.counters.get(`cnt-${c.device}`);
      assert.equal(c.ledger.totals().wireBytes, counted.received.bytes, `${c.device}: sent bytes`);
      assert.equal(c.ledger.totals().packets, counted.received.messages, `${c.device}: sent packets`);
      assert.equal(c.received.totals().wireBytes, counted.delivered.bytes, `${c.device}: delivered bytes`);
      assert.equal(c.received.totals().packets, counted.delivered.messages, `${c.device}: delivered packets`);
    }
    // Per link: what d2 sent on link/cnt-02/cnt-01 is what d1 received on it (d2 publishes QoS 0, d1 subscribes QoS 1: delivered at 0).
    assert.deepEqual(
      { packets: d1.received.get({ from: 'cnt-02', to: 'cnt-01' })!.packets, wireBytes: d1.received.get({ from: 'cnt-02', to: 'cnt-01' })!.wireBytes },
      { packets: d2.ledger.get({ from: 'cnt-02', to: 'cnt-01' })!.packets, wireBytes: d2.ledger.get({ from: 'cnt-02', to: 'cnt-01' })!.wireBytes },
    );
    // And the broadcast went out once from agg but was delivered twice, at each subscriber's QoS.
    const down = agg.ledger.get({ from: 'gateway', to: '*' })!;
    assert.equal(d1.received.get({ from: 'gateway', to: '*' })!.wireBytes, down.wireBytes);
    assert.equal(d2.received.get({ from: 'gateway', to: '*' })!.wireBytes, down.wireBytes - 2 * down.packets);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await b2.close();
  }
});

test('status is retained: online on connect, offline by last will when the socket dies, online again after reconnect', async () => {
  const watcher = await connect('gateway');
  const statuses: string[] = [];
  await watcher.subscribe(filters.allStatus(JOB), (t, b) => {
    if (t === topics.status(JOB, 'will-01')) statuses.push(Buffer.from(b).toString());
  });
  const dev = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-will-01`, job: JOB, device: 'will-01', maxMessageBytes: LIMIT, qos: 1, reconnectPeriodMs: 300 });
  open.push(dev);
  await until(() => statuses.length === 1, 'online');
  // Kill the TCP connection without DISCONNECT: the broker must publish the will.
  dev.raw.stream.destroy();
  await until(() => statuses.length >= 2, 'the last will');
  assert.deepEqual(statuses.slice(0, 2), ['online', 'offline']);
  // A late subscriber reads the retained offline… until mqtt.js reconnects and says online again.
  await until(() => statuses.length >= 3, 'online after reconnect');
  assert.deepEqual(statuses, ['online', 'offline', 'online']);
  // Resubscribed and working after reconnect: publish from dev reaches the watcher.
  const ups: Uint8Array[] = [];
  await watcher.subscribe(filters.allUp(JOB), (t, b) => {
    if (t === topics.up(JOB, 'will-01')) ups.push(b);
  });
  await dev.publish(topics.up(JOB, 'will-01'), patternBytes(3));
  await until(() => ups.length === 1, 'a publish after reconnect');
  // A clean close publishes offline (retained) itself.
  open.splice(open.indexOf(dev), 1);
  await dev.close();
  await until(() => statuses.length === 4, 'offline on close');
  const late = await connect('late-01');
  const lateSeen: string[] = [];
  await late.subscribe(topics.status(JOB, 'will-01'), (_t, b) => void lateSeen.push(Buffer.from(b).toString()));
  await until(() => lateSeen.length === 1, 'the retained status');
  assert.deepEqual(lateSeen, ['offline']);
});

test('a subscriber resubscribes after its connection drops', async () => {
  const sub = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-resub`, job: JOB, device: 'gateway', maxMessageBytes: LIMIT, qos: 1, reconnectPeriodMs: 200 });
  open.push(sub);
  const got: string[] = [];
  await sub.subscribe(filters.allUp(JOB), (_t, b) => void got.push(Buffer.from(b).toString()));
  sub.raw.stream.destroy();
  await until(() => !sub.connected, 'the drop');
  await until(() => sub.connected, 'the reconnect');
  const dev = await connect('resub-01');
  // The resubscription races the first publish; publish until one arrives.
  for (let i = 0; got.length === 0 && i < 200; i++) {
    await dev.publish(topics.up(JOB, 'resub-01'), new TextEncoder().encode('after'));
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(got.length >= 1 && got.every((g) => g === 'after'));
});

test('policy hooks: bad credentials fail connect at once; denied publish and subscribe are logged', async () => {
  const log = new CaptureLog();
  const b3 = await startBroker({
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: LIMIT,
    logger: log,
    authenticate: (_id, username, password) => username === 'dev-01' && password?.toString() === 's3cret',
    authorizePublish: (clientId, topic) => topic.endsWith(`/${clientId.replace(/^hk-/, '')}`),
    authorizeSubscribe: async (_id, filter) => !filter.includes('/up/'),
  });
  const warned = (prefix: string): LogLine[] => log.lines.filter((l) => l.level === 'warn' && l.msg.startsWith(prefix));
  const base = { url: b3.url, job: JOB, maxMessageBytes: LIMIT, qos: 1 as const, connectTimeoutMs: 5000 };
  try {
    await assert.rejects(
      FleetClient.connect({ ...base, clientId: 'hk-dev-01', device: 'dev-01', username: 'dev-01', password: 'wrong' }),
      (e: unknown) => e instanceof TransportError && /refused the connection/.test(e.message) && /username\/password/.test(e.hint ?? ''),
    );
    assert.equal(warned('connection refused: bad username or password').length, 1);
    const dev = await FleetClient.connect({ ...base, clientId: 'hk-dev-01', device: 'dev-01', username: 'dev-01', password: 's3cret' });
    open.push(dev);
    await assert.rejects(dev.subscribe(filters.allUp(JOB), () => {}), /broker refused the subscription/);
    assert.equal(warned('subscription refused: not authorized').length, 1);
    // Its own up topic is allowed (status too: it ends with the device id).
    await dev.publish(topics.up(JOB, 'dev-01'), patternBytes(4));
    assert.equal(b3.counters.get('hk-dev-01').received.messages, 2);
    // Someone else's is refused and logged, and the broker drops the connection.
    dev.raw.publish(topics.up(JOB, 'dev-02'), Buffer.from(patternBytes(4)), { qos: 0 });
    await until(() => warned('publish refused: client hk-dev-01 is not authorized to publish').length === 1, 'the refusal');
    assert.equal(b3.counters.get('hk-dev-01').refused.messages, 1);
  } finally {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await b3.close();
  }
});

test('connecting to a port where nothing listens fails with a TransportError naming the url', async () => {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const url = `mqtt://127.0.0.1:${port}`;
  await assert.rejects(
    FleetClient.connect({ url, clientId: 'nobody', job: JOB, device: 'nobody', maxMessageBytes: LIMIT, qos: 1, connectTimeoutMs: 500, reconnectPeriodMs: 100 }),
    (e: unknown) => e instanceof TransportError && e.message.includes(url) && /gateway \(or broker\) is running/.test(e.hint ?? ''),
  );
  await assert.rejects(
    FleetClient.connect({ url: 'http://x', clientId: 'x', job: JOB, device: 'x', maxMessageBytes: LIMIT, qos: 1 }),
    /is not an MQTT url/,
  );
  await assert.rejects(FleetClient.connect({ url: 'mqtt://x', clientId: 'x', job: JOB, device: 'a/b', maxMessageBytes: LIMIT, qos: 1 }), /invalid device/);
});

test('the Shaper hook is awaited before every PUBLISH and told what was sent', async () => {
  const admitted: [string, number][] = [];
  const sent: [string, number][] = [];
  const shaper: Shaper = {
    // A real budget would wait for tokens here; yielding to the event loop exercises the await.
    admit: (link, bytes) => new Promise<void>((r) => setImmediate(() => (admitted.push([`${link.from}>${link.to}`, bytes]), r()))),
    sent: (link, bytes) => void sent.push([`${link.from}>${link.to}`, bytes]),
  };
  const dev = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-shaped`, job: JOB, device: 'shaped-01', maxMessageBytes: LIMIT, qos: 1, shaper });
  open.push(dev);
  const receipt = await dev.publish(topics.up(JOB, 'shaped-01'), patternBytes(3 * LIMIT, 8));
  assert.equal(receipt.packets, 4);
  assert.equal(admitted.length, 4);
  assert.deepEqual(admitted, sent);
  assert.equal(admitted.reduce((s, [, b]) => s + b, 0), receipt.wireBytes);
  assert.ok(admitted.every(([l]) => l === 'shaped-01>gateway'));
});

test('startBroker reports a port in use and an unusable limit as TransportErrors with a fix', async () => {
  await assert.rejects(
    startBroker({ host: '127.0.0.1', port: broker.port, maxMessageBytes: LIMIT }),
    (e: unknown) => e instanceof TransportError && /the port is in use/.test(e.message) && /another port/.test(e.hint ?? ''),
  );
  await assert.rejects(
    startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 0 }),
    (e: unknown) => e instanceof TransportError && /maxMessageBytes 0 is not a usable limit/.test(e.message) && /262144/.test(e.hint ?? ''),
  );
});

test('the broker takes every maxMessageBytes the experiment schema accepts, and the schema refuses the rest', async () => {
  const largest = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: MAX_MESSAGE_BYTES });
  await largest.close();
  await assert.rejects(startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: MAX_MESSAGE_BYTES + 1 }), TransportError);
  // 256 MiB passed the schema once, then failed startBroker.
  for (const maxMessageBytes of [MAX_MESSAGE_BYTES + 1, 256 * 1024 * 1024]) {
    assert.throws(() => parseExperimentConfig({ job: 'j', transport: { maxMessageBytes } }), ConfigError);
  }
  assert.equal(parseExperimentConfig({ job: 'j', transport: { maxMessageBytes: MAX_MESSAGE_BYTES } }).transport.maxMessageBytes, MAX_MESSAGE_BYTES);
});

test('setStatus is retained, counted, and restored after a reconnect replaced it with the will', async () => {
  const watcher = await connect('gateway');
  const statuses: string[] = [];
  await watcher.subscribe(topics.status(JOB, 'ready-01'), (_t, b) => void statuses.push(Buffer.from(b).toString()));
  const dev = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-ready-01`, job: JOB, device: 'ready-01', maxMessageBytes: LIMIT, qos: 1, reconnectPeriodMs: 300 });
  open.push(dev);
  await dev.setStatus('ready');
  await until(() => statuses.length === 2, 'ready');
  assert.deepEqual(statuses, ['online', 'ready']);
  assert.equal(dev.ledger.get({ from: 'ready-01', to: 'gateway' })!.packets, 2);
  dev.raw.stream.destroy();
  await until(() => statuses.length >= 3, 'the last will');
  await until(() => statuses.length >= 4, 'the status after reconnect');
  assert.deepEqual(statuses.slice(2), ['offline', 'ready']);
  await assert.rejects(dev.setStatus(''), /1 to 64 characters/);
});
