import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { MqttLengthScanner, startBroker } from '@edgefl/gateway';
import { FleetClient, filters, topics } from '@edgefl/transport';
import { CaptureLog, patternBytes, until } from './broker-helpers.js';

/** An MQTT packet header: type byte + Remaining Length varint. */
function header(type: number, remaining: number): number[] {
  const out = [type];
  do {
    let b = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) b |= 0x80;
    out.push(b);
  } while (remaining > 0);
  return out;
}

function packet(type: number, bodyLength: number): Uint8Array {
  const h = header(type, bodyLength);
  const p = new Uint8Array(h.length + bodyLength);
  p.set(h);
  return p;
}

test('the scanner accepts a stream of packets split at every possible byte boundary', () => {
  const stream = Buffer.concat([packet(0x10, 20), packet(0x30, 0), packet(0x32, 200), packet(0x30, 16_500), packet(0xc0, 0)]);
  for (let cut = 0; cut <= stream.length; cut += 1) {
    const s = new MqttLengthScanner(20_000);
    assert.equal(s.feed(stream.subarray(0, cut)), null);
    assert.equal(s.feed(stream.subarray(cut)), null);
  }
  // One byte at a time, too.
  const s = new MqttLengthScanner(20_000);
  for (const b of stream) assert.equal(s.feed(Uint8Array.of(b)), null);
});

test('the scanner reports an oversized declaration from its header alone, even split mid-varint', () => {
  const s = new MqttLengthScanner(1000);
  assert.equal(s.feed(Uint8Array.from(packet(0x30, 10))), null);
  const h = Uint8Array.from(header(0x30, 100_000_000));
  assert.equal(s.feed(h.subarray(0, 2)), null);
  assert.match(s.feed(h.subarray(2)) ?? '', /declares 100000000 bytes, over the broker limit of 1000 bytes/);
  assert.match(new MqttLengthScanner(1000).feed(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)) ?? '', /more than 4 bytes/);
});

test('a client declaring a 100 MB packet is cut off before the broker buffers it; others carry on', async () => {
  const log = new CaptureLog();
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024, logger: log });
  const c = await FleetClient.connect({ url: broker.url, clientId: 'guard-ok', job: 'guard', device: 'gateway', maxMessageBytes: 64 * 1024, qos: 1 });
  try {
    const got: Uint8Array[] = [];
    await c.subscribe(filters.allUp('guard'), (_t, b) => void got.push(b));
    const s = netConnect(broker.port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    // A CONNECT for MQTT 3.1.1 with client id "evil", then a PUBLISH header claiming 100 MB.
    const id = Buffer.from('evil');
    const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 30, 0, id.length]), id]);
    s.write(Buffer.concat([Buffer.from(header(0x10, connectBody.length)), connectBody]));
    s.write(Buffer.from(header(0x30, 100_000_000)));
    // Stream junk until the broker hangs up; it must do so long before 100 MB.
    let sent = 0;
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    const junk = Buffer.from(patternBytes(64 * 1024, 3));
    while (!isClosed && sent < 8 * 1024 * 1024) {
      if (!s.write(junk)) await new Promise<void>((r) => (s.once('drain', () => r()), s.once('close', () => r())));
      sent += junk.length;
    }
    // Give the broker's hang-up a moment to arrive if the last write raced it.
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    s.destroy();
    assert.ok(isClosed, `the broker kept reading past ${sent} bytes of a packet over its limit`);
    await until(() => log.problems('connection dropped before buffering').length === 1, 'the logged reason');
    assert.match(log.problems('connection dropped before buffering')[0]!.msg, /declares 100000000 bytes/);
    // The broker still serves everyone else.
    const dev = await FleetClient.connect({ url: broker.url, clientId: 'guard-dev', job: 'guard', device: 'g-01', maxMessageBytes: 64 * 1024, qos: 1 });
    await dev.publish(topics.up('guard', 'g-01'), patternBytes(200_000, 4));
    await until(() => got.length === 1, 'a chunked message after the attack');
    assert.deepEqual(new Uint8Array(got[0]!), patternBytes(200_000, 4));
    await dev.close();
  } finally {
    await c.close();
    await broker.close();
  }
});
