import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '../../apps/cli/bin/edgefl.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs the command to completion, collecting JSON log lines. */
function start(args: string[]): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' } });
  let out = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => p.on('close', (code) => {
    clearTimeout(kill);
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    resolve({ code, lines, stderr });
  }));
}

test('a gateway and two agents as separate processes train the job together (JSON logs)', async () => {
  const port = await freePort();
  const sets = ['--set', `listen.port=${port}`, '--set', 'listen.host=127.0.0.1', '--set', 'experiment.rounds=3', '--set', 'experiment.fleet.devices=2'];
  const gateway = start(['gateway', '--config', 'configs/gateway.yaml', ...sets]);
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
});
