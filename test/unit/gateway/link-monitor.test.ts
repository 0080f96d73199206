import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkMonitor } from '@edgefl/gateway';
import { encodeWhole, mqttPublishPacketBytes } from '@edgefl/transport';
import { encodeTelemetry } from '@edgefl/runtime';

const JOB = 'j1';
const up = (d: string): string => `edgefl/v1/${JOB}/up/${d}`;

function monitor(budgets?: ConstructorParameters<typeof LinkMonitor>[0]['budgets']) {
  const clock = { t: 1_000_000 };
  const m = new LinkMonitor({ job: JOB, devices: ['d1', 'd2'], rounds: 5, budgets, now: () => clock.t, windowSec: 5 });
  return { m, clock };
}

const packet = (clientId: string, direction: 'received' | 'delivered', topic: string, payloadBytes: number) =>
  ({ clientId, direction, topic, payloadBytes, bytes: mqttPublishPacketBytes(Buffer.byteLength(topic), payloadBytes, 1) });

test('link monitor: packets go to the device\'s up or down link, split into payload and overhead; rates over the window', () => {
  const { m, clock } = monitor();
  m.tick();
  m.onPacket(packet('c1', 'received', `edgefl/v1/${JOB}/status/d1`, 6)); // learns c1 = d1
  for (let s = 1; s <= 5; s++) {
    clock.t += 1000;
    m.onPacket(packet('c1', 'received', up('d1'), 1000));
    m.onPacket(packet('c1', 'delivered', `edgefl/v1/${JOB}/down`, 4000));
    m.tick();
  }
  const d1 = m.snapshot().devices.find((d) => d.device === 'd1')!;
  const upBytes = 5 * packet('c1', 'received', up('d1'), 1000).bytes;
  assert.equal(d1.up.byKind['up'], upBytes);
  assert.equal(d1.up.payloadBytes, 5000 + 6);
  assert.equal(d1.up.wireBytes - d1.up.payloadBytes, d1.up.overheadBytes);
  assert.equal(d1.down.messages, 5);
  // The window holds 6 samples 5 s apart end to end: the status and 5 packets in 5 s.
  const status = packet('c1', 'received', `edgefl/v1/${JOB}/status/d1`, 6).bytes;
  assert.equal(d1.up.rateBitsPerSec, ((status + 5 * packet('c1', 'received', up('d1'), 1000).bytes) * 8) / 5);
  assert.equal(d1.lastSeen, clock.t);
  // A peer message: the sender's uplink and the peer link; delivered, the receiver's downlink.
  m.onPacket(packet('c2', 'received', `edgefl/v1/${JOB}/status/d2`, 5));
  const peer = packet('c1', 'received', `edgefl/v1/${JOB}/link/d1/d2`, 300);
  m.onPacket(peer);
  m.onPacket(packet('c2', 'delivered', `edgefl/v1/${JOB}/link/d1/d2`, 300));
  const after = m.snapshot();
  assert.deepEqual(after.peers.map((p) => [p.from, p.to, p.messages, p.wireBytes]), [['d1', 'd2', 1, peer.bytes]]);
  assert.equal(after.devices[0]!.up.byKind['link'], peer.bytes);
  assert.equal(after.devices[1]!.down.byKind['link'], peer.bytes);
});

test('link monitor: a rate budget overrun is counted; traffic within it is not', () => {
  const { m, clock } = monitor({ devices: { d1: { up: { bitsPerSec: 80_000 } }, d2: { up: { bitsPerSec: 80_000 } } } });
  m.onPacket(packet('c1', 'received', `edgefl/v1/${JOB}/status/d1`, 5));
  m.onPacket(packet('c2', 'received', `edgefl/v1/${JOB}/status/d2`, 5));
  m.tick();
  for (let s = 0; s < 10; s++) {
    clock.t += 1000;
    // d1: 10 kB/s = 80 kbit/s of payload + overhead: a little over; d2: half the budget.
    for (let i = 0; i < 10; i++) m.onPacket(packet('c1', 'received', up('d1'), 1200));
    for (let i = 0; i < 5; i++) m.onPacket(packet('c2', 'received', up('d2'), 1000));
    m.tick();
  }
  assert.ok(m.rateViolations({ from: 'd1', to: 'gateway' }) > 0);
  assert.equal(m.rateViolations({ from: 'd2', to: 'gateway' }), 0);
  const snap = m.snapshot();
  assert.ok(snap.devices[0]!.up.budgetUse! > 1);
  assert.ok(snap.devices[1]!.up.budgetUse! < 0.6);
});

test('link monitor: hostile input — foreign client ids, spoofed telemetry, garbage — never grows labels or crashes', () => {
  const { m } = monitor();
  m.onPacket(packet('c1', 'received', `edgefl/v1/${JOB}/status/d1`, 5));
  // A thousand unknown clients are lumped together, not given rows.
  for (let i = 0; i < 1000; i++) m.onPacket(packet(`evil-${i}`, 'received', `edgefl/v1/${JOB}/up/x${i}`, 10));
  m.onPacket(packet('c9', 'received', '../../etc', 10));
  m.onPacket(packet('c9', 'received', `edgefl/v1/${JOB}/up/+`, 10));
  const s = m.snapshot();
  assert.deepEqual(s.devices.map((d) => d.device), ['d1', 'd2']);
  assert.ok(s.other.received > 0);
  // Telemetry for d1 sent by a client that is not d1 is ignored; so is malformed telemetry.
  const report = encodeWhole(1, encodeTelemetry({ device: 'd1', seq: 0, round: 1, sent: { messages: 1, packets: 1, wireBytes: 1, payloadBits: 0 }, received: { messages: 0, packets: 0, wireBytes: 0, payloadBits: 0 }, shaped: { delayed: 0, delayMs: 0 } }));
  m.onMessage(`edgefl/v1/${JOB}/telemetry/d1`, report, 'evil-1');
  assert.equal(m.snapshot().devices[0]!.telemetry, null);
  for (const bad of ['{', '{"format":"edgefl-telemetry/1","device":"d1","seq":-1}', 'x'.repeat(10_000)]) {
    m.onMessage(`edgefl/v1/${JOB}/telemetry/d1`, encodeWhole(2, new TextEncoder().encode(bad)), 'c1');
  }
  m.onMessage(`edgefl/v1/${JOB}/telemetry/d1`, new Uint8Array([1, 2, 3]), 'c1');
  assert.equal(m.snapshot().devices[0]!.telemetry, null);
  m.onMessage(`edgefl/v1/${JOB}/telemetry/d1`, report, 'c1');
  assert.equal(m.snapshot().devices[0]!.telemetry?.report.seq, 0);
  // A status with control characters is shown defanged; a bad ctl is ignored.
  m.onMessage(`edgefl/v1/${JOB}/status/d2`, new TextEncoder().encode('on\x1b[2Jline'), 'c2');
  assert.equal(m.snapshot().devices[1]!.status, 'on?[2Jline');
  m.onMessage(`edgefl/v1/${JOB}/ctl`, encodeWhole(3, new TextEncoder().encode('{"format":"edgefl-job/1","round":99}')), 'c1');
  assert.equal(m.snapshot().round, 0);
});
