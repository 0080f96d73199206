import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { deviceIds, loadExperimentConfig } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { startAgent } from '@edgefl/agent';
import { decodeJobAnnouncement } from '@edgefl/runtime';
import { FleetClient, decodeFrame, topics } from '@edgefl/transport';
import { labCerts } from './broker-helpers.js';
import { freePort, startMosquitto } from '../helpers/daemons.js';
import { BIN, runCliSync as cli } from '../helpers/cli-run.js';

/**
 * Interop: a short job through Debian's Mosquitto over TLS, with the password and ACL
 * files `edgefl keys export --mosquitto` wrote, the aggregator started as
 * `edgefl gateway --broker mqtts://…` (no embedded broker) and agents as plain clients.
 */
const JOB = 'mosqsec';

function waitFor(p: ChildProcess, re: RegExp, what: string): { done: Promise<void>; output: () => string } {
  let out = '';
  const done = new Promise<void>((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      if (re.test(out)) resolve();
    };
    p.stdout!.on('data', on);
    p.stderr!.on('data', on);
    p.once('error', (e) => reject(new Error(`${what}: ${e.message}; install mosquitto (bash scripts/install-system-deps.sh mosquitto)`)));
    p.once('exit', (code) => (re.test(out) ? resolve() : reject(new Error(`${what} exited with ${code}:\n${out}`))));
  });
  return { done, output: () => out };
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

test('a job runs through Mosquitto over TLS with the exported password and ACL files, and its ACL refuses what the gateway refuses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-mosq-sec-'));
  const certs = labCerts(join(dir, 'certs'));
  const keys = join(dir, 'keys.json');
  const secrets = new Map<string, string>();
  for (const id of ['gateway', 'dev-01', 'dev-02', 'mallory']) {
    const r = cli(['keys', 'add', id, '--keys', keys, '--mosquitto']);
    assert.equal(r.status, 0, r.stderr);
    secrets.set(id, r.stdout.trim());
  }
  writeFileSync(join(dir, 'gateway.secret'), `${secrets.get('gateway')}\n`, { mode: 0o600 });
  const exp = cli(['keys', 'export', '--keys', keys, '--mosquitto', join(dir, 'mosquitto'), '--job', JOB]);
  assert.equal(exp.status, 0, exp.stderr);

  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    readFileSync(join(dir, 'mosquitto', 'edgefl.conf'), 'utf8'),
    `user ${userInfo().username}`, 'persistence false', 'max_packet_size 300000',
    `listener ${port} 127.0.0.1`, `cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`, '',
  ].join('\n'));
  const broker = await startMosquitto(conf);
  const url = `mqtts://127.0.0.1:${port}`;
  const ca = readFileSync(certs.ca);
  let aggregator: ChildProcess | undefined;
  try {
    const experiment = join(dir, 'experiment.yaml');
    writeFileSync(experiment, [
      `job: ${JOB}`, 'seed: 3', 'rounds: 2', 'data: { dataset: digits }', 'model: { kind: mlp, hidden: [8] }', 'fleet: { devices: 2 }',
      'transport: { kind: mqtt, qos: 1, maxMessageBytes: 262144, roundTimeoutMs: 30000 }', '',
    ].join('\n'));
    const gwConf = join(dir, 'gateway.yaml');
    writeFileSync(gwConf, `experimentFile: experiment.yaml\nbroker: { url: "mqtt://unused:1", secretFile: ${join(dir, 'gateway.secret')}, tls: { ca: ${certs.ca} } }\n`);

    // Attacks on the broker itself, before the job: anonymous, '#', a forged retained ctl.
    const anon = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(url, { ca, reconnectPeriod: 0, protocolVersion: 4 });
      c.once('connect', () => { c.end(true); resolve(true); });
      c.once('error', () => { c.end(true); resolve(false); });
    });
    assert.equal(anon, false, 'Mosquitto refuses anonymous clients');
    const mallory = await mqtt.connectAsync(url, { ca, reconnectPeriod: 0, protocolVersion: 4, username: 'mallory', password: secrets.get('mallory')! });
    // Mosquitto grants '#' but delivers only what the ACL lets mallory read (checked after the job).
    const seen = new Set<string>();
    // What a subscriber of ctl receives from an aggregator against another broker: each round's clock too, at QoS 0.
    const clock: string[] = [];
    mallory.on('message', (t, payload, packet) => {
      seen.add(t);
      if (t !== topics.ctl(JOB) || payload.length === 0) return;
      const frame = decodeFrame(payload);
      if (frame.kind !== 'whole') return;
      try {
        const a = decodeJobAnnouncement(frame.body);
        clock.push(`${a.state} ${a.round} qos ${packet.qos}`);
      } catch {
        // mallory's own garbage
      }
    });
    await mallory.subscribeAsync('#', { qos: 1 });
    await mallory.publishAsync(topics.ctl(JOB), Buffer.from('garbage'), { qos: 1, retain: true });
    await mallory.publishAsync(topics.up(JOB, 'dev-01'), Buffer.from('forged'), { qos: 1 });

    aggregator = spawn(process.execPath, [BIN, 'gateway', '--config', gwConf, '--broker', url], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const finished = waitFor(aggregator, /"msg":"job finished"/, 'edgefl gateway --broker');
    const cfg = loadExperimentConfig(experiment);
    const devices = deviceIds(cfg.fleet);
    const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
    const agents = await Promise.all(devices.map((device, i) => startAgent({
      url, tls: { ca }, device, job: JOB, log: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } },
      data: data.shards[i]!, jobTimeoutMs: 30_000, username: device, password: secrets.get(device)!,
    })));
    await Promise.all(agents.map((a) => a.done));
    for (const a of agents) await a.close();
    await finished.done;
    await mallory.endAsync();
    const leaked = [...seen].filter((t) => t !== topics.ctl(JOB) && t !== topics.down(JOB));
    assert.deepEqual(leaked, [], 'a device subscribed to # saw only ctl and the down broadcast');
    assert.ok(seen.has(topics.down(JOB)), 'it did see the broadcast (so the subscription was live)');
    assert.doesNotMatch(finished.output(), /"level":50/, 'no error logged by the aggregator');
    assert.deepEqual(clock, ['running 0 qos 1', 'running 1 qos 0', 'running 2 qos 0', 'done 2 qos 1']);

    // The retained announcement is the aggregator's, not mallory's garbage.
    const reader = await FleetClient.connect({
      url, tls: { ca }, clientId: `edgefl-${JOB}-dev-01`, job: JOB, device: 'dev-01', maxMessageBytes: 262_144, qos: 1,
      username: 'dev-01', password: secrets.get('dev-01')!,
    });
    const ann = await new Promise<Uint8Array>((resolve) => void reader.subscribe(topics.ctl(JOB), (_t, bytes) => resolve(bytes)));
    await reader.close();
    const decoded = decodeJobAnnouncement(ann);
    assert.equal(decoded.state, 'done');
    assert.deepEqual(decoded.devices, ['dev-01', 'dev-02']);
  } finally {
    if (aggregator) await stop(aggregator);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
