import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ConnectionLimiter, RateLimitedLog, isLoopback } from '@edgefl/gateway';
import { fleetLimits } from '@edgefl/lab';
import { CaptureLog } from '../../integration/broker-helpers.js';

function fakeSocket(addr: string): Socket & { close(): void } {
  const e = new EventEmitter() as EventEmitter & { remoteAddress: string; close(): void };
  e.remoteAddress = addr;
  e.close = () => e.emit('close');
  return e as unknown as Socket & { close(): void };
}

test('RateLimitedLog lets a burst of each message through, then counts what it suppressed', () => {
  const inner = new CaptureLog();
  const log = new RateLimitedLog(inner, 3, 60_000).child({ role: 'broker' });
  for (let i = 0; i < 1000; i++) log.warn({ i }, 'connection refused: x');
  log.warn({}, 'another message');
  log.info({}, 'info is never limited');
  log.info({}, 'info is never limited');
  assert.equal(inner.lines.filter((l) => l.msg.startsWith('connection refused: x')).length, 3);
  assert.match(inner.lines[2]!.msg, /suppressed/);
  assert.equal(inner.lines.filter((l) => l.msg === 'another message').length, 1);
  assert.equal(inner.lines.filter((l) => l.msg === 'info is never limited').length, 2);
  assert.equal(inner.lines[0]!.obj['role'], 'broker');
});

test('ConnectionLimiter caps open connections and new connections per source', () => {
  const log = new CaptureLog();
  const lim = new ConnectionLimiter({ maxConnections: 5, connectRatePerSec: 0.001, connectBurst: 3 }, log);
  const a = [fakeSocket('10.0.0.1'), fakeSocket('10.0.0.1'), fakeSocket('10.0.0.1'), fakeSocket('10.0.0.1')];
  assert.deepEqual(a.map((s) => lim.admit(s) === null), [true, true, true, false], 'burst of 3 per source');
  const b = [fakeSocket('10.0.0.2'), fakeSocket('10.0.0.2'), fakeSocket('10.0.0.2')];
  assert.deepEqual(b.map((s) => lim.admit(s) === null), [true, true, false], 'then the 5-connection cap');
  assert.equal(lim.connections, 5);
  assert.equal(lim.peak, 5);
  a[0]!.close();
  assert.equal(lim.connections, 4);
  assert.equal(lim.admit(fakeSocket('10.0.0.3')), null);
  assert.equal(lim.refused, 2);
});

test('isLoopback', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '192.168.1.2', 'gateway.local']) assert.equal(isLoopback(h), false, h);
});

test('an emulated fleet connecting at once from loopback is admitted whole: 1,000 agents and the aggregator (fleetLimits)', () => {
  const lim = new ConnectionLimiter(fleetLimits(1000), new CaptureLog());
  const admitted = Array.from({ length: 1001 }, () => lim.admit(fakeSocket('127.0.0.1')) === null);
  assert.equal(admitted.filter(Boolean).length, 1001);
  // the defaults would have refused most of them (a burst of 40 from one source)
  const strict = new ConnectionLimiter({ maxConnections: 1000, connectRatePerSec: 20, connectBurst: 40 }, new CaptureLog());
  assert.ok(Array.from({ length: 1001 }, () => strict.admit(fakeSocket('127.0.0.1')) === null).filter(Boolean).length < 100);
});
