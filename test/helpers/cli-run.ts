import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from '@edgefl/core';

/** The compiled CLI (`npm run build` first). */
export const BIN = fileURLToPath(new URL('../../apps/cli/bin/edgefl.js', import.meta.url));

/** One JSON log line of `edgefl …` at log level info. */
export type LogLine = Record<string, unknown>;

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly stdout: string;
}

/** An `edgefl …` process a test watches while it runs. */
export interface Cli {
  readonly proc: ChildProcess;
  /** its JSON log lines so far */
  readonly lines: LogLine[];
  /** resolves with the first log line (seen or to come) that satisfies `pred`; rejects, with its last lines, if the process exits first */
  waitFor(pred: (l: LogLine) => boolean, what: string): Promise<LogLine>;
  /** `waitFor` the first line whose message is `msg` */
  logged(msg: string): Promise<LogLine>;
  /** once it exited (by itself, by a signal, or killed by the hang guard) */
  readonly exit: Promise<CliExit>;
}

/**
 * Starts `edgefl <args>` (the compiled CLI) at log level info and collects its JSON log lines.
 * A hang guard kills it after `guardMs`; its exit then reports SIGKILL.
 */
export function spawnCli(args: readonly string[], guardMs = 150_000): Cli {
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, EDGEFL_LOG_LEVEL: 'info' } });
  const lines: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  let stdout = '';
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
    const s = d.toString();
    stdout += s;
    buf += s;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      take(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const guard = setTimeout(() => proc.kill('SIGKILL'), guardMs);
  const exit = new Promise<CliExit>((resolve) => proc.on('close', (code, signal) => {
    clearTimeout(guard);
    take(buf);
    resolve({ code, signal, stderr, stdout });
  }));
  const waitFor = (pred: (l: LogLine) => boolean, what: string): Promise<LogLine> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      void exit.then((e) => reject(new Error(`process exited (${e.code ?? e.signal}) before ${what}:\n${e.stderr.slice(-2000)}\n${lines.slice(-40).map((l) => JSON.stringify({ msg: l['msg'], round: l['round'], missing: l['missing'], to: l['to'], device: l['device'] })).join('\n')}`)));
    });
  };
  return { proc, lines, exit, waitFor, logged: (msg) => waitFor((l) => l['msg'] === msg, `'${msg}'`) };
}

export interface CliRun {
  code: number | null;
  /** the JSON log lines it printed on stdout */
  lines: LogLine[];
  stderr: string;
  stdout: string;
}

/** Runs `edgefl <args>` to completion at log level info (killed after 120 s), collecting its JSON log lines. */
export async function runCli(args: readonly string[]): Promise<CliRun> {
  const p = spawnCli(args, 120_000);
  const { code, stderr, stdout } = await p.exit;
  return { code, lines: p.lines, stderr, stdout };
}

/** Runs `edgefl <args>` synchronously (default log level; killed after `timeoutMs`), for commands that print and exit. */
export function runCliSync(args: readonly string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: timeoutMs });
}

/**
 * Runs `edgefl bench <bench> <args…> --json <dir>/bench-<bench>.json` and returns the record it
 * wrote and what it printed, asserting exit 0, the edgefl-bench/1 format and the bench's name.
 */
export function runBench(dir: string, bench: string, args: readonly string[]): { record: BenchRecord; stdout: string } {
  const file = join(dir, `bench-${bench}.json`);
  const r = runCliSync(['bench', bench, ...args, '--json', file]);
  assert.equal(r.status, 0, r.stderr);
  const record = JSON.parse(readFileSync(file, 'utf8')) as BenchRecord;
  assert.equal(record.format, 'edgefl-bench/1');
  assert.equal(record.bench, bench);
  return { record, stdout: r.stdout };
}
