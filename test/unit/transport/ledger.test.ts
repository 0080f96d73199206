import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as tcpConnect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import mqtt from 'mqtt';
import { startBroker } from '@edgefl/gateway';
import { ByteLedger, FleetClient, mqttPublishPacketBytes, topics, varintBytes } from '@edgefl/transport';

test('PUBLISH sizes by hand from the MQTT specs (3.1.1 §3.3, 5 §3.3)', () => {
  // 0x30 | len | 0x00 0x01 'a'  → 5 bytes
  assert.equal(mqttPublishPacketBytes(1, 0, 0, 4), 5);
  // + packet id
  assert.equal(mqttPublishPacketBytes(1, 0, 1, 4), 7);
  assert.equal(mqttPublishPacketBytes(1, 0, 2, 4), 7);
  // v5 adds a properties-length byte (0 properties)
  assert.equal(mqttPublishPacketBytes(1, 0, 0, 5), 6);
  assert.equal(mqttPublishPacketBytes(1, 0, 1, 5, 10), 18);
  // Remaining Length varint grows at 128, 16 384, 2 097 152.
  assert.equal(mqttPublishPacketBytes(1, 124, 0, 4), 1 + 1 + 127);
  assert.equal(mqttPublishPacketBytes(1, 125, 0, 4), 1 + 2 + 128);
  assert.equal(mqttPublishPacketBytes(1, 16_380, 0, 4), 1 + 2 + 16_383);
  assert.equal(mqttPublishPacketBytes(1, 16_381, 0, 4), 1 + 3 + 16_384);
  assert.equal(mqttPublishPacketBytes(1, 2_097_148, 0, 4), 1 + 3 + 2_097_151);
  assert.equal(mqttPublishPacketBytes(1, 2_097_149, 0, 4), 1 + 4 + 2_097_152);
  assert.deepEqual([0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455].map(varintBytes), [1, 1, 2, 2, 3, 3, 4, 4]);
  assert.throws(() => varintBytes(268_435_456), RangeError);
});

test('ByteLedger keeps messages, payload bits, packets and wire bytes per directed link', () => {
  const l = new ByteLedger();
  l.recordMessage({ from: 'd1', to: 'gateway' }, 800);
  l.recordPacket({ from: 'd1', to: 'gateway' }, 120);
  l.recordPacket({ from: 'd1', to: 'gateway' }, 30);
  l.recordMessage({ from: 'gateway', to: 'd1' }, 64);
  l.recordPacket({ from: 'gateway', to: 'd1' }, 40);
  assert.deepEqual(l.get({ from: 'd1', to: 'gateway' }), { from: 'd1', to: 'gateway', messages: 1, payloadBits: 800, packets: 2, wireBytes: 150 });
  assert.deepEqual(l.snapshot().map((c) => `${c.from}>${c.to}`), ['d1>gateway', 'gateway>d1']);
  assert.deepEqual(l.totals(), { messages: 2, payloadBits: 864, packets: 3, wireBytes: 190 });
  l.reset();
  assert.equal(l.snapshot().length, 0);
});

/**
 * A TCP relay between a client and the broker that splits the client's byte stream into
 * MQTT packets by their fixed header alone, and keeps the size of every PUBLISH: the
 * ground truth the formula is checked against.
 */
async function publishTap(targetPort: number): Promise<{ port: number; publishSizes: number[]; close(): Promise<void> }> {
  const publishSizes: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let buf = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      upstream.write(d);
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length < 2) break;
        let len = 0;
        let mul = 1;
        let i = 1;
        let done = false;
        for (; i < Math.min(buf.length, 5); i++) {
          len += (buf[i]! & 0x7f) * mul;
          mul *= 128;
          if ((buf[i]! & 0x80) === 0) {
            done = true;
            break;
          }
        }
        if (!done) break;
        const total = i + 1 + len;
        if (buf.length < total) break;
        if (buf[0]! >> 4 === 3) publishSizes.push(total);
        buf = buf.subarray(total);
      }
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    publishSizes,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

test('mqttPublishPacketBytes equals the bytes mqtt.js puts on the socket to aedes', async () => {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 4 * 1024 * 1024 });
  const tap = await publishTap(broker.port);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${tap.port}`, { protocolVersion: 4, clientId: 'ledger-raw', reconnectPeriod: 0 });
  try {
    const topic = topics.up('ledgerjob', 'dev-01');
    const tl = Buffer.byteLength(topic);
    // Payloads that put the Remaining Length on each side of every varint boundary.
    const cases: [number, 0 | 1][] = [];
    for (const boundary of [128, 16_384, 2_097_152]) {
      for (const qos of [0, 1] as const) {
        const fixed = 2 + tl + (qos ? 2 : 0);
        cases.push([boundary - 1 - fixed, qos], [boundary - fixed, qos]);
      }
    }
    cases.push([0, 0], [0, 1], [1000, 1]);
    for (const [n, qos] of cases) await client.publishAsync(topic, Buffer.alloc(n, 7), { qos });
    await client.endAsync();
    assert.deepEqual(
      tap.publishSizes,
      cases.map(([n, qos]) => mqttPublishPacketBytes(tl, n, qos, 4)),
    );
    // The broker counts with the same formula, so it agrees with the socket too.
    assert.equal(broker.counters.get('ledger-raw').received.bytes, tap.publishSizes.reduce((a, b) => a + b, 0));
  } finally {
    client.end(true);
    await tap.close();
    await broker.close();
  }
});

test("FleetClient's ledger equals the PUBLISH bytes on its socket, chunks included", async () => {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  const tap = await publishTap(broker.port);
  const fc = await FleetClient.connect({ url: `mqtt://127.0.0.1:${tap.port}`, clientId: 'ledger-fc', job: 'ledgerjob', device: 'dev-02', maxMessageBytes: 64 * 1024, qos: 1 });
  try {
    await fc.publish(topics.up('ledgerjob', 'dev-02'), new Uint8Array(300_000), { link: { from: 'dev-02', to: 'gateway', payloadBits: 1234 } });
    await fc.publish(topics.link('ledgerjob', 'dev-02', 'dev-03'), new Uint8Array(10));
    const sent = tap.publishSizes;
    // device → gateway carries the retained `online` status (1 packet) and the chunked update.
    const up = fc.ledger.get({ from: 'dev-02', to: 'gateway' })!;
    const link = fc.ledger.get({ from: 'dev-02', to: 'dev-03' })!;
    const chunks = Math.ceil(300_000 / (64 * 1024 - 17));
    assert.equal(up.packets, 1 + chunks);
    assert.equal(up.messages, 2);
    assert.equal(up.payloadBits, 1234);
    assert.equal(link.packets, 1);
    assert.equal(sent.length, up.packets + link.packets);
    assert.equal(up.wireBytes + link.wireBytes, sent.reduce((a, b) => a + b, 0));
    assert.equal(link.wireBytes, sent[sent.length - 1]);
    assert.equal(up.wireBytes, mqttPublishPacketBytes(Buffer.byteLength(topics.status('ledgerjob', 'dev-02')), 'online'.length, 1) + sent.slice(1, 1 + chunks).reduce((a, b) => a + b, 0));
  } finally {
    await fc.close();
    await tap.close();
    await broker.close();
  }
});
