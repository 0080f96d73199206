import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, Socket } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { bufferBrokerSocket, startBroker } from '@edgefl/gateway';
import { connectMqttAsync } from '@edgefl/transport';
import { patternBytes, until } from './broker-helpers.js';

/** A loopback connection: the accepted side (buffered as the broker buffers it) and the client side. */
async function socketPair(aheadBytes: number): Promise<{ server: Server; accepted: Socket; client: Socket; close(): Promise<void> }> {
  let accepted: Socket | null = null;
  const server = createServer((s) => {
    bufferBrokerSocket(s, aheadBytes);
    accepted = s;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = netConnect((server.address() as AddressInfo).port, '127.0.0.1');
  await until(() => accepted !== null && client.readyState === 'open', 'the connection');
  return {
    server, accepted: accepted!, client,
    close: async () => {
      client.destroy();
      accepted!.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Counts the writes a socket hands to the kernel (one per `write`/`writev` system call it issues). */
function countWrites(socket: Socket): { readonly count: () => number } {
  let n = 0;
  const s = socket as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = s._write;
  const writev = s._writev;
  s._write = function (this: unknown, ...a: unknown[]) { n++; return write.apply(this, a); };
  s._writev = function (this: unknown, ...a: unknown[]) { n++; return writev.apply(this, a); };
  return { count: () => n };
}

/** Writes one "packet" in pieces the way mqtt-packet does: cork, write each piece, uncork on the next tick. */
function writePacket(socket: Socket, pieces: readonly Uint8Array[]): boolean {
  socket.cork();
  process.nextTick(() => socket.uncork());
  let ok = true;
  for (const p of pieces) ok = socket.write(p);
  return ok;
}

function collect(socket: Socket, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  return new Promise((resolve) => {
    socket.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= bytes) resolve(Buffer.concat(parts));
    });
  });
}

test('packets written from separate setImmediate callbacks (aedes deliveries) leave in one write, in order', async () => {
  const pair = await socketPair(256 * 1024);
  try {
    const writes = countWrites(pair.accepted);
    const packets = Array.from({ length: 10 }, (_, i) => [Uint8Array.of(0x30, i), patternBytes(1000, i + 1)]);
    const expected = Buffer.concat(packets.flat());
    const received = collect(pair.client, expected.length);
    for (const p of packets) setImmediate(() => writePacket(pair.accepted, p));
    assert.deepEqual(await received, expected);
    // Without batching each packet is its own writev (10).
    assert.equal(writes.count(), 1);
  } finally {
    await pair.close();
  }
});

test('a packet written just before end() still reaches the peer (a refused CONNACK before the close)', async () => {
  const pair = await socketPair(256 * 1024);
  try {
    const ended = new Promise<void>((r) => pair.client.on('end', () => r()));
    const received = collect(pair.client, 4);
    writePacket(pair.accepted, [Uint8Array.of(0x20, 0x02, 0x00, 0x04)]);
    pair.accepted.end();
    assert.deepEqual(await received, Buffer.from([0x20, 0x02, 0x00, 0x04]));
    await ended;
  } finally {
    await pair.close();
  }
});

test('write() reports backpressure only once a largest packet is queued, and drain follows', async () => {
  const ahead = 100 * 1024;
  const pair = await socketPair(ahead);
  try {
    const received = collect(pair.client, 120 * 1024);
    // Node 20's own high-water mark is 16 KiB: 40 KiB would already ask aedes to wait for 'drain'.
    assert.equal(writePacket(pair.accepted, [patternBytes(40 * 1024, 1)]), true);
    assert.equal(writePacket(pair.accepted, [patternBytes(40 * 1024, 2)]), true);
    const drained = new Promise<void>((r) => pair.accepted.once('drain', () => r()));
    assert.equal(writePacket(pair.accepted, [patternBytes(40 * 1024, 3)]), false, 'over aheadBytes the writer must wait');
    await drained;
    const all = await received;
    assert.deepEqual(all, Buffer.concat([patternBytes(40 * 1024, 1), patternBytes(40 * 1024, 2), patternBytes(40 * 1024, 3)]));
  } finally {
    await pair.close();
  }
});

test('reading goes on while less than a largest packet waits unread, and stops beyond it', async () => {
  const ahead = 300 * 1024;
  const pair = await socketPair(ahead);
  try {
    // Nobody reads the accepted socket (aedes between two batches): bytes queue in it.
    pair.accepted.on('readable', () => undefined);
    pair.client.write(patternBytes(200 * 1024, 7));
    // Node 20 alone stops reading at its 16 KiB high-water mark (one 64 KiB socket read at most).
    await until(() => pair.accepted.readableLength >= 200 * 1024, '200 KiB buffered by the accepted socket');
    // Beyond `ahead` the socket stops reading: what a flood leaves in user space is bounded.
    pair.client.write(patternBytes(2 * 1024 * 1024, 8));
    await until(() => pair.accepted.readableLength >= ahead, 'the buffer reaching aheadBytes');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(pair.accepted.readableLength < ahead + 64 * 1024, `buffered ${pair.accepted.readableLength} bytes, bound ${ahead} + one 64 KiB read`);
    // And everything is still delivered, in order, once read.
    const parts: Buffer[] = [];
    let got = 0;
    await new Promise<void>((resolve) => {
      const drain = (): void => {
        for (let b = pair.accepted.read() as Buffer | null; b !== null; b = pair.accepted.read() as Buffer | null) {
          parts.push(b);
          got += b.length;
        }
        if (got >= 2 * 1024 * 1024 + 200 * 1024) resolve();
      };
      pair.accepted.on('readable', drain);
      drain();
    });
    assert.deepEqual(Buffer.concat(parts), Buffer.concat([patternBytes(200 * 1024, 7), patternBytes(2 * 1024 * 1024, 8)]));
  } finally {
    await pair.close();
  }
});

test('the gateway broker sends a burst of QoS 1 deliveries to a subscriber in far fewer writes than messages', async () => {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  const sub = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'buffering-sub', reconnectPeriod: 0 });
  const pub = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'buffering-pub', reconnectPeriod: 0 });
  try {
    await sub.subscribeAsync('buffering/#', { qos: 1 });
    // aedes keeps each connected client's connection: the subscriber's is the broker-side socket.
    const clients = (broker.aedes as unknown as { clients: Record<string, { conn: Socket } | undefined> }).clients;
    const brokerSide = clients['buffering-sub']?.conn;
    assert.ok(brokerSide instanceof Socket);
    assert.equal(brokerSide.remotePort, (sub.stream as Socket).localPort);
    const writes = countWrites(brokerSide);
    const n = 50;
    let got = 0;
    const all = new Promise<void>((r) => sub.on('message', () => void (++got === n && r())));
    const payload = patternBytes(1024, 3);
    // One synchronous burst: the broker reads it in a few socket reads and delivers each message from its own setImmediate.
    await Promise.all(Array.from({ length: n }, (_, i) => pub.publishAsync(`buffering/${i}`, Buffer.from(payload), { qos: 1 })));
    await all;
    assert.ok(writes.count() <= n / 5, `${writes.count()} writes for ${n} deliveries`);
  } finally {
    await Promise.all([sub.endAsync(true), pub.endAsync(true)]);
    await broker.close();
  }
});
