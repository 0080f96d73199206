import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@edgefl/runtime';
import { freePort } from '../helpers/daemons.js';
import { runCli, runCliSync, spawnCli, type Cli } from '../helpers/cli-run.js';
import { provisionKeys } from '../helpers/cli-keys.js';

/** What `edgefl gateway|agent` log once SIGINT/SIGTERM stop them cleanly (apps/cli's STOPPABLE). */
const STOPPABLE = 'running; SIGINT or SIGTERM stops cleanly';

test('a gateway and two agents as separate processes train the job together (JSON logs)', async () => {
  const port = await freePort();
  const k = provisionKeys(['dev-01', 'dev-02']);
  const sets = ['--set', `auth.keys=${k.keys}`, '--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1', '--set', 'monitor.port=0', '--set', 'experiment.rounds=3', '--set', 'experiment.fleet.devices=2'];
  const json = join(k.dir, 'run.json');
  const gateway = runCli(['gateway', '--config', 'configs/gateway.yaml', ...sets, '--json', json]);
  const url = `mqtt://127.0.0.1:${port}`;
  // Started at once: an agent retries its first connection until the gateway's broker listens.
  const agents = ['dev-01', 'dev-02'].map((device, i) => runCli([
    'agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=${url}`, '--set', `device=${device}`, '--set', `data.index=${i}`,
    '--set', `auth={secretFile: ${k.secretFile(device)}}`,
  ]));
  const [g, ...a] = await Promise.all([gateway, ...agents]);
  assert.equal(g.code, 0, g.stderr);
  for (const r of a) assert.equal(r.code, 0, r.stderr);
  const rounds = g.lines.filter((l) => l['msg'] === 'round done');
  assert.deepEqual(rounds.map((l) => l['round']), [1, 2, 3]);
  const acc = rounds.map((l) => l['heldOutAccuracy'] as number);
  // the gateway holds only the held-out rows: its loss is named as held-out loss
  for (const l of rounds) assert.ok(Number.isFinite(l['heldOutLoss']), JSON.stringify(l));
  assert.ok(acc[2]! > acc[0]!, `accuracy ${acc.join(' → ')}`);
  assert.ok(g.lines.some((l) => l['msg'] === 'job finished'));
  for (const r of a) assert.ok(r.lines.some((l) => l['msg'] === 'ready'));
  // The gateway's run record (--json) and final summary, like sim's.
  const rec = JSON.parse(readFileSync(json, 'utf8')) as RunRecord;
  assert.equal(rec.format, 'edgefl-run/1');
  assert.equal(rec.source, 'gateway');
  assert.deepEqual(rec.rounds.map((r) => r.round), [1, 2, 3]);
  assert.equal(rec.totals.finalAccuracy, acc[2]);
  assert.deepEqual(rec.links.map((l) => `${l.from}>${l.to}`), ['dev-01>gateway', 'gateway>dev-01', 'dev-02>gateway', 'gateway>dev-02']);
  for (const l of rec.links) {
    assert.equal(l.messages, 3);
    assert.deepEqual([l.budgetBitsPerSec, l.budgetBitsPerRound, l.overBudget], [null, null, 0]);
  }
  // 8-bit uniform updates: (8·d + 64) bits each.
  assert.equal(rec.links[0]!.payloadBits, 3 * (8 * rec.model.dim + 64));
  const summary = g.stdout;
  // the gateway holds no training data: the loss it prints is the held-out one, named so
  assert.match(summary, /^final held-out loss [\d.]+, held-out accuracy [\d.]+% after 3 rounds/m);
  assert.doesNotMatch(summary, /training loss/);
  assert.match(summary, /^dev-01 +[\d.]+ kbit +[\d.]+ kB/m);
  assert.match(summary, /as float32 updates: [\d.]+× smaller/);
  assert.match(summary, new RegExp(`run record: ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  rmSync(k.dir, { recursive: true, force: true });
});

/** `edgefl gateway` on 127.0.0.1:`port` for two devices with the key file `keys`; killed after 60 s if a stop never comes. */
function gatewayCli(port: number, keys: string): Cli {
  return spawnCli(['gateway', '--config', 'configs/gateway.yaml', '--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1', '--set', 'monitor.port=0',
    '--set', 'experiment.fleet.devices=2', '--set', `auth.keys=${keys}`], 60_000);
}

/** `edgefl agent` as `device` (its secret in `secretFile`) against the gateway on `port`, with `extra` arguments; killed after 60 s likewise. */
function agentCli(port: number, device: string, secretFile: string, ...extra: string[]): Cli {
  return spawnCli(['agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=mqtt://127.0.0.1:${port}`, '--set', `device=${device}`,
    '--set', `auth={secretFile: ${secretFile}}`, ...extra], 60_000);
}

test('SIGINT stops a gateway waiting for devices and an agent waiting for its round: both exit 0', async () => {
  const port = await freePort();
  // Two devices, one agent: the gateway waits for dev-02, the agent for a broadcast that never comes.
  const k = provisionKeys(['dev-01', 'dev-02']);
  const gateway = gatewayCli(port, k.keys);
  const agent = agentCli(port, 'dev-01', k.secretFile('dev-01'));
  // Logged once each process handles the signals (before, Node's default ends it at once).
  await Promise.all([gateway.logged(STOPPABLE), agent.logged(STOPPABLE)]);
  agent.proc.kill('SIGINT');
  const a = await agent.exit;
  assert.deepEqual([a.code, a.signal], [0, null], a.stderr);
  gateway.proc.kill('SIGINT');
  const g = await gateway.exit;
  assert.deepEqual([g.code, g.signal], [0, null], g.stderr);
  rmSync(k.dir, { recursive: true, force: true });
});

test('edgefl gateway without auth refuses to start and names `edgefl keys add`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-e2e-noauth-'));
  const conf = join(dir, 'gateway.yaml');
  writeFileSync(conf, `listen: { host: 127.0.0.1, port: 0 }\nexperimentFile: ${join(import.meta.dirname, '../../configs/quickstart.yaml')}\n`);
  const r = runCliSync(['gateway', '--config', conf]);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /refuses to run without per-device keys/);
  assert.match(r.stderr, /edgefl keys add <device> --keys/);
});

test('a second agent with a device id already connected is refused: both sides name the id, the holder stays', async () => {
  const port = await freePort();
  const k = provisionKeys(['dev-01', 'dev-02']);
  const gateway = gatewayCli(port, k.keys);
  const holder = agentCli(port, 'dev-01', k.secretFile('dev-01'));
  await Promise.all([gateway.logged(STOPPABLE), holder.logged(STOPPABLE)]);
  // The twin holds dev-01's key too (a cloned board): the id, not the key, is what clashes.
  const twin = agentCli(port, 'dev-01', k.secretFile('dev-01'));
  const t = await twin.exit;
  assert.equal(t.code, 2, t.stderr);
  assert.match(t.stderr, /device id dev-01 is already connected/);
  assert.match(t.stderr, /fix: give every device its own id/);
  const refused = await gateway.logged('connection refused: client id edgefl-quickstart-dev-01 is already connected (two devices with the same device id?); the device holding it stays connected');
  assert.equal(refused['clientId'], 'edgefl-quickstart-dev-01');
  // The holder was not evicted: the job starts and finishes once dev-02 joins.
  const second = agentCli(port, 'dev-02', k.secretFile('dev-02'), '--set', 'data.index=1');
  await gateway.logged('all devices ready; starting rounds');
  // configs/agent.yaml names no shard: the holder trains on its whole file (digits, 1797
  // rows); dev-02 opted into shard 1 of 2 with data.index.
  const [whole, shard] = await Promise.all([holder.logged('ready'), second.logged('ready')]);
  assert.equal(whole['samples'], 1797, 'without data.index the device\'s file is used whole');
  assert.ok((shard['samples'] as number) < 1797 / 2, `shard 1 of 2: ${String(shard['samples'])} rows`);
  await holder.logged('job finished');
  for (const p of [holder, second]) {
    const r = await p.exit;
    assert.equal(r.code, 0, r.stderr);
  }
  // the job is done: the gateway exits by itself
  assert.equal((await gateway.exit).code, 0);
  rmSync(k.dir, { recursive: true, force: true });
});

test('an agent whose gateway is gone backs off, then gives up after gateway.giveUpAfterMs and exits 1 saying why', async () => {
  const port = await freePort();
  const k = provisionKeys(['dev-01', 'dev-02']);
  const gateway = gatewayCli(port, k.keys);
  const agent = agentCli(port, 'dev-01', k.secretFile('dev-01'), '--set', 'gateway.giveUpAfterMs=2500');
  await Promise.all([gateway.logged(STOPPABLE), agent.logged(STOPPABLE)]);
  gateway.proc.kill('SIGKILL');
  await gateway.exit;
  const lost = await agent.logged('mqtt connection lost; reconnecting');
  assert.equal(lost['giveUpAfterMs'], 2500);
  // 1 s, then 2 s: the second attempt is logged once at warn with the next pause.
  const retry = await agent.logged('mqtt broker still unreachable; retrying');
  assert.deepEqual([retry['attempts'], retry['retryInMs']], [1, 2000]);
  const a = await agent.exit;
  assert.deepEqual([a.code, a.signal], [1, null], a.stderr);
  assert.match(a.stderr, /gave up reconnecting to the MQTT broker at mqtt:\/\/127\.0\.0\.1:\d+ after 3 s down \(2 attempts; last: .*ECONNREFUSED/);
  assert.match(a.stderr, /fix: start the gateway/);
  rmSync(k.dir, { recursive: true, force: true });
});
