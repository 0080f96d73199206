import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLog } from '@edgefl/core';
import { startBroker, startTlsListener } from '@edgefl/gateway';
import { FleetClient, connectMqttAsync } from '@edgefl/transport';
import { labCerts, until } from './broker-helpers.js';

/**
 * Node has no getter for TCP_NODELAY, so every call of `setNoDelay` on any socket is recorded
 * (TLS sockets inherit it from net.Socket): without the option a QoS 1 hop waits ~40 ms for
 * a delayed ACK, which a test must not time, so the call itself is what is asserted.
 */
function recordNoDelay(): { readonly on: Set<Socket>; restore(): void } {
  const original = Socket.prototype.setNoDelay;
  const on = new Set<Socket>();
  Socket.prototype.setNoDelay = function (this: Socket, enable?: boolean) {
    if (enable === undefined || enable) on.add(this);
    else on.delete(this);
    return original.call(this, enable);
  };
  return { on, restore: () => void (Socket.prototype.setNoDelay = original) };
}

/** The broker-side socket of a client connection: the accepted socket whose peer port is the client's local port. */
function acceptedPeerOf(client: Socket, sockets: Iterable<Socket>): Socket | undefined {
  for (const s of sockets) if (s !== client && s.remotePort === client.localPort && s.localPort === client.remotePort) return s;
  return undefined;
}

test('TCP_NODELAY is set on both ends of a FleetClient connection to the gateway broker', async () => {
  const spy = recordNoDelay();
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  const accepted = new Set<Socket>();
  try {
    const c = await FleetClient.connect({ url: broker.url, clientId: 'nodelay-fleet', job: 'nd', device: 'dev-01', maxMessageBytes: 64 * 1024, qos: 1 });
    try {
      const stream = c.raw.stream as Socket;
      assert.ok(stream instanceof Socket, 'the client stream is a TCP socket');
      assert.ok(spy.on.has(stream), 'the client socket has NODELAY');
      for (const s of spy.on) accepted.add(s);
      const peer = acceptedPeerOf(stream, accepted);
      assert.ok(peer !== undefined, 'the socket the broker accepted for this client has NODELAY');
    } finally {
      await c.close();
    }
  } finally {
    await broker.close();
    spy.restore();
  }
});

test('TCP_NODELAY is set on both ends of an mqtts:// (TLS) connection', async () => {
  const spy = recordNoDelay();
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-nodelay-tls-'));
  const certs = labCerts(dir);
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  const tls = await startTlsListener(broker, { host: '127.0.0.1', port: 0, cert: certs.cert, key: certs.key }, undefined, nullLog);
  try {
    const c = await FleetClient.connect({ url: tls.url, tls: { ca: readFileSync(certs.ca) }, clientId: 'nodelay-tls', job: 'nd', device: 'dev-01', maxMessageBytes: 64 * 1024, qos: 1 });
    try {
      const stream = c.raw.stream as Socket;
      assert.ok(stream instanceof TLSSocket, 'the client stream is a TLS socket');
      assert.ok(spy.on.has(stream), 'the client TLS socket has NODELAY');
      const peer = acceptedPeerOf(stream, spy.on);
      assert.ok(peer instanceof TLSSocket, 'the TLS socket the listener accepted for this client has NODELAY');
      await c.publish('edgefl/nd/telemetry/dev-01', new Uint8Array([1]));
    } finally {
      await c.close();
    }
  } finally {
    await tls.close();
    await broker.close();
    spy.restore();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reconnecting client sets TCP_NODELAY on its new socket too, and raw benchmark clients set it', async () => {
  const spy = recordNoDelay();
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  try {
    const raw = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'nodelay-raw', reconnectPeriod: 50 });
    try {
      const first = raw.stream as Socket;
      assert.ok(spy.on.has(first), 'first connection has NODELAY');
      assert.ok(acceptedPeerOf(first, spy.on) !== undefined, 'its accepted socket has NODELAY');
      let reconnected = false;
      raw.once('connect', () => (reconnected = true));
      first.destroy();
      await until(() => reconnected, 'the reconnect');
      const second = raw.stream as Socket;
      assert.notEqual(second, first);
      assert.ok(spy.on.has(second), 'the reconnected socket has NODELAY');
      assert.ok(acceptedPeerOf(second, spy.on) !== undefined, 'its accepted socket has NODELAY');
      await raw.publishAsync('nd/x', 'hello', { qos: 1 });
    } finally {
      await raw.endAsync(true);
    }
  } finally {
    await broker.close();
    spy.restore();
  }
});

test('the broker hands each packet it delivers to the socket in one write, not one per piece', async () => {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  const writes = new Map<Socket, number>();
  for (const k of ['_write', '_writev'] as const) {
    const orig = originals[k];
    proto[k] = function (this: Socket, ...args: unknown[]) {
      writes.set(this, (writes.get(this) ?? 0) + 1);
      return orig.apply(this, args);
    };
  }
  const spy = recordNoDelay();
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024 });
  try {
    const sub = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'whole-sub', reconnectPeriod: 0 });
    const pub = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'whole-pub', reconnectPeriod: 0 });
    try {
      await sub.subscribeAsync('whole/t', { qos: 1 });
      const peer = acceptedPeerOf(sub.stream as Socket, spy.on);
      assert.ok(peer !== undefined);
      for (const size of [10, 2400, 60_000]) {
        let got = 0;
        sub.removeAllListeners('message');
        sub.on('message', () => void got++);
        const before: number = writes.get(peer) ?? 0;
        await pub.publishAsync('whole/t', Buffer.alloc(size, 7), { qos: 1 });
        await until(() => got === 1, 'the delivery');
        // mqtt-packet writes fixed header, topic, packet id and payload as separate pieces.
        const after: number = writes.get(peer) ?? 0;
        assert.equal(after - before, 1, `a ${size}-byte PUBLISH left the broker in one socket write`);
      }
    } finally {
      await sub.endAsync(true);
      await pub.endAsync(true);
    }
  } finally {
    await broker.close();
    spy.restore();
    proto._write = originals._write;
    proto._writev = originals._writev;
  }
});
