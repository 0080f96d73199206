import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../apps/cli/bin/edgefl.js', import.meta.url));
const QUICKSTART = fileURLToPath(new URL('../../configs/quickstart.yaml', import.meta.url));

export type LogLine = Record<string, unknown>;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Cli {
  readonly proc: ChildProcess;
  readonly lines: LogLine[];
  /** resolves with the first JSON log line (seen or to come) that satisfies `pred`; rejects if the process exits first */
  waitFor(pred: (l: LogLine) => boolean, what: string): Promise<LogLine>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `edgefl …` (the compiled CLI) and collects its JSON log lines. A hang guard kills it after `guardMs`. */
export function cli(args: readonly string[], guardMs = 150_000): Cli {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' } });
  const lines: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  let stderr = '';
  const take = (line: string): void => {
    if (!line.startsWith('{')) return;
    const l = JSON.parse(line) as LogLine;
    lines.push(l);
    for (const w of [...waiters]) if (w.pred(l)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  };
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      take(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => proc.kill('SIGKILL'), guardMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on('close', (code, signal) => {
    clearTimeout(guard);
    resolve({ code, signal, stderr });
  }));
  return {
    proc, lines, exit,
    waitFor(pred, what) {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exit.then((e) => reject(new Error(`process exited (${e.code ?? e.signal}) before ${what}:\n${e.stderr.slice(-2000)}\n${lines.slice(-40).map((l) => JSON.stringify({ msg: l['msg'], round: l['round'], missing: l['missing'], to: l['to'], device: l['device'] })).join('\n')}`)));
      });
    },
  };
}

export interface FaultJob {
  readonly dir: string;
  readonly port: number;
  gatewayArgs(json?: string): string[];
  agentArgs(device: string): string[];
}

/**
 * A digits quickstart job of `rounds` rounds on two devices, on loopback with `auth: none`,
 * every node keeping its checkpoint under its own state.dir; `redis` keeps the broker's
 * sessions in Redis.
 */
export async function faultJob(o: { rounds: number; roundTimeoutMs: number; redis?: string; keepaliveSec?: number; stateful?: boolean }): Promise<FaultJob> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-faults-'));
  const port = await freePort();
  const stateful = o.stateful ?? true;
  const gw = join(dir, 'gateway.yaml');
  writeFileSync(gw, [
    `listen: { host: 127.0.0.1, port: ${port} }`,
    'auth: none',
    `experimentFile: ${QUICKSTART}`,
    ...(stateful ? [`state: { dir: ${join(dir, 'gateway-state')} }`] : []),
    ...(o.redis ? [`persistence: { redis: "${o.redis}" }`] : []),
    'log: { level: info }',
  ].join('\n') + '\n');
  return {
    dir, port,
    gatewayArgs: (json) => [
      'gateway', '--config', gw, '--quiet', '--set', `experiment.rounds=${o.rounds}`, '--set', 'experiment.fleet.devices=2',
      '--set', `experiment.transport.roundTimeoutMs=${o.roundTimeoutMs}`, ...(json ? ['--json', json] : []),
    ],
    agentArgs(device) {
      const file = join(dir, `${device}.yaml`);
      writeFileSync(file, [
        `gateway: { url: "mqtt://127.0.0.1:${port}", keepaliveSec: ${o.keepaliveSec ?? 30} }`,
        `device: ${device}`, 'job: quickstart', `data: { dataset: digits, index: ${Number(device.slice(-2)) - 1} }`,
        ...(stateful ? [`state: { dir: ${join(dir, `${device}-state`)} }`] : []),
        'log: { level: info }',
      ].join('\n') + '\n');
      return ['agent', '--config', file];
    },
  };
}

/** Held-out accuracy the gateway logged for `round`. */
export function accuracyAt(lines: readonly LogLine[], round: number): number {
  const l = lines.find((x) => x['msg'] === 'round done' && x['round'] === round);
  if (!l) throw new Error(`no 'round done' line for round ${round}`);
  return l['heldOutAccuracy'] as number;
}

/** Rounds in which the gateway acted without `device`'s update. */
export function roundsMissing(lines: readonly LogLine[], device: string): number[] {
  return lines.filter((l) => l['msg'] === 'acting without late messages' && l['node'] === 'gateway' && (l['missing'] as string[]).includes(device)).map((l) => l['round'] as number);
}

export async function startRedis(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    proc.once('error', (e) => reject(new Error(`could not start redis-server (${e.message}); install it with bash scripts/install-system-deps.sh redis`)));
    proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
