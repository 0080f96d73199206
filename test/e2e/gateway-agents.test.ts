import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { RunRecord } from '@edgefl/runtime';

const BIN = join(import.meta.dirname, '../../apps/cli/bin/edgefl.js');
/** What `edgefl gateway|agent` log once SIGINT/SIGTERM stop them cleanly (apps/cli's STOPPABLE). */
const STOPPABLE = 'running; SIGINT or SIGTERM stops cleanly';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs the command to completion, collecting JSON log lines. */
function start(args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string; stdout: string }> {
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' } });
  let out = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => p.on('close', (code) => {
    clearTimeout(kill);
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    resolve({ code, lines, stderr, stdout: out });
  }));
}

test('a gateway and two agents as separate processes train the job together (JSON logs)', async () => {
  const port = await freePort();
  const sets = ['--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1', '--set', 'monitor.port=0', '--set', 'experiment.rounds=3', '--set', 'experiment.fleet.devices=2'];
  const json = join(mkdtempSync(join(tmpdir(), 'edgefl-gw-')), 'run.json');
  const gateway = start(['gateway', '--config', 'configs/gateway.yaml', ...sets, '--json', json]);
  const url = `mqtt://127.0.0.1:${port}`;
  // Started at once: an agent retries its first connection until the gateway's broker listens.
  const agents = ['dev-01', 'dev-02'].map((device, i) => start([
    'agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=${url}`, '--set', `device=${device}`, '--set', `data.index=${i}`,
  ]));
  const [g, ...a] = await Promise.all([gateway, ...agents]);
  assert.equal(g.code, 0, g.stderr);
  for (const r of a) assert.equal(r.code, 0, r.stderr);
  const rounds = g.lines.filter((l) => l['msg'] === 'round done');
  assert.deepEqual(rounds.map((l) => l['round']), [1, 2, 3]);
  const acc = rounds.map((l) => l['accuracy'] as number);
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
  assert.match(summary, /held-out accuracy [\d.]+% after 3 rounds/);
  assert.match(summary, /^dev-01 +[\d.]+ kbit +[\d.]+ kB/m);
  assert.match(summary, /as float32 updates: [\d.]+× smaller/);
  assert.match(summary, new RegExp(`run record: ${json.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});

interface Running {
  readonly proc: ChildProcess;
  /** resolves with the first JSON log line whose msg is `msg` */
  logged(msg: string): Promise<Record<string, unknown>>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the command and lets a test wait for its log lines while it runs. */
function spawnCli(args: string[]): Running {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' } });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (l: Record<string, unknown>) => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const l = JSON.parse(line) as Record<string, unknown>;
      lines.push(l);
      for (const w of waiters.filter((w) => w.msg === l['msg'])) w.resolve(l);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // A process that does not exit on SIGINT is killed here, and its exit is reported as a signal.
  const kill = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on('close', (code, signal) => {
    clearTimeout(kill);
    resolve({ code, signal, stderr });
  }));
  return {
    proc, exit,
    logged: (msg) => {
      const seen = lines.find((l) => l['msg'] === msg);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ msg, resolve }));
    },
  };
}

test('SIGINT stops a gateway waiting for devices and an agent waiting for its round: both exit 0', async () => {
  const port = await freePort();
  // Two devices, one agent: the gateway waits for dev-02, the agent for a broadcast that never comes.
  const gateway = spawnCli(['gateway', '--config', 'configs/gateway.yaml', '--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1', '--set', 'monitor.port=0',
    '--set', 'experiment.fleet.devices=2']);
  const agent = spawnCli(['agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=mqtt://127.0.0.1:${port}`, '--set', 'device=dev-01']);
  // Logged once each process handles the signals (before, Node's default ends it at once).
  await Promise.all([gateway.logged(STOPPABLE), agent.logged(STOPPABLE)]);
  agent.proc.kill('SIGINT');
  const a = await agent.exit;
  assert.deepEqual([a.code, a.signal], [0, null], a.stderr);
  gateway.proc.kill('SIGINT');
  const g = await gateway.exit;
  assert.deepEqual([g.code, g.signal], [0, null], g.stderr);
});
