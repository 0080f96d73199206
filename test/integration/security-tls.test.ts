import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deviceIds, parseExperimentConfig } from '@edgefl/config';
import { startGateway } from '@edgefl/gateway';
import { FleetClient, TransportError, topics } from '@edgefl/transport';
import { CaptureLog, fleetCredentials, labCerts, until } from './broker-helpers.js';

const cfg = parseExperimentConfig({ job: 'tls', seed: 1, rounds: 1, fleet: { devices: 2 }, transport: { kind: 'mqtt', roundTimeoutMs: 5_000 } });
const devices = deviceIds(cfg.fleet);

test('mutual TLS and WSS: a client needs a certificate from the client CA and a key; wss:// carries MQTT for browsers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-tls-'));
  const certs = labCerts(dir, ['dev-01']);
  const ca = readFileSync(certs.ca);
  const creds = await fleetCredentials(devices);
  const log = new CaptureLog();
  const server = { host: '127.0.0.1', port: 0, cert: certs.cert, key: certs.key };
  const gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0, tls: { ...server, ca: certs.ca }, wss: server },
    auth: creds.auth, experiment: cfg, devices, log,
  });
  const base = { job: 'tls', device: 'dev-01', clientId: 'edgefl-tls-dev-01', maxMessageBytes: 65_536, qos: 1 as const, connectTimeoutMs: 5_000 };
  try {
    // No client certificate: the handshake fails, whatever the password.
    await assert.rejects(FleetClient.connect({ ...base, url: gw.tls!.url, tls: { ca }, ...creds.login('dev-01') }), TransportError);
    assert.ok(log.lines.some((l) => l.msg === 'TLS handshake failed; connection closed'));
    // Certificate and key: in, and only as itself.
    const dev = await FleetClient.connect({
      ...base, url: gw.tls!.url, tls: { ca, cert: readFileSync(certs.client('dev-01').cert), key: readFileSync(certs.client('dev-01').key) }, ...creds.login('dev-01'),
    });
    await dev.publish(topics.telemetry('tls', 'dev-01'), new Uint8Array([1]));
    await dev.close();
    // An untrusted server certificate is refused by the client (no CA given: system CAs do not know the lab CA).
    await assert.rejects(FleetClient.connect({ ...base, url: gw.wss!.url, ...creds.login('dev-01') }), /certificate/);
    // WSS (no client CA configured on it): password auth over TLS.
    const browser = await FleetClient.connect({ ...base, url: gw.wss!.url, tls: { ca }, ...creds.login('dev-01') });
    await browser.publish(topics.status('tls', 'dev-01'), new TextEncoder().encode('online'), { retain: true });
    await browser.close();
    await assert.rejects(FleetClient.connect({ ...base, url: gw.wss!.url, tls: { ca } }), /refused|Not authorized|Bad username/i);
  } finally {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a gateway warns at start about plain MQTT on a public address and about auth: none', async () => {
  const log = new CaptureLog();
  const gw = await startGateway({ listen: { host: '0.0.0.0', port: 0 }, auth: 'none', experiment: cfg, devices, log });
  await gw.close();
  assert.ok(log.problems('auth: none').length >= 1);
  assert.ok(log.problems('plain MQTT on a non-loopback address with auth: none').length === 1);
  const log2 = new CaptureLog();
  const gw2 = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, auth: (await fleetCredentials(devices)).auth, experiment: cfg, devices, log: log2 });
  await gw2.close();
  assert.equal(log2.lines.filter((l) => l.level === 'warn').length, 0, JSON.stringify(log2.lines.filter((l) => l.level === 'warn')));
});

test('a socket that sends no CONNECT is closed after connectTimeoutMs, and 100 of them make a handful of warning lines', async () => {
  const log = new CaptureLog();
  const gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: (await fleetCredentials(devices)).auth, experiment: cfg, devices, log,
    limits: { connectTimeoutMs: 300, maxConnections: 500, connectRatePerSec: 1000, connectBurst: 500 },
  });
  try {
    let closed = 0;
    for (let i = 0; i < 100; i++) {
      const s = netConnect(gw.broker.port, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => closed++);
    }
    await until(() => closed === 100, 'idle sockets to be closed by the CONNECT timeout', 20_000);
    const warnings = log.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    assert.ok(warnings.length <= 6, `${warnings.length} warning lines: ${JSON.stringify(warnings.slice(0, 8))}`);
  } finally {
    await gw.close();
  }
});
