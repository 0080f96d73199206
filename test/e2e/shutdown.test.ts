import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const STOPPABLE = 'running; SIGINT or SIGTERM stops cleanly';

const BIN = join(import.meta.dirname, '../../apps/cli/bin/edgefl.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface Running {
  readonly proc: ChildProcess;
  /** resolves with the first JSON log line whose msg is `msg` */
  logged(msg: string): Promise<Record<string, unknown>>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[]): Running {
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
  const gateway = start(['gateway', '--config', 'configs/gateway.yaml', '--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1',
    '--set', 'experiment.fleet.devices=2']);
  const agent = start(['agent', '--config', 'configs/agent.yaml', '--set', `gateway.url=mqtt://127.0.0.1:${port}`, '--set', 'device=dev-01']);
  // Logged once each process handles the signals (before, Node's default ends it at once).
  await Promise.all([gateway.logged(STOPPABLE), agent.logged(STOPPABLE)]);
  agent.proc.kill('SIGINT');
  const a = await agent.exit;
  assert.deepEqual([a.code, a.signal], [0, null], a.stderr);
  gateway.proc.kill('SIGINT');
  const g = await gateway.exit;
  assert.deepEqual([g.code, g.signal], [0, null], g.stderr);
});
