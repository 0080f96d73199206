import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI (`npm run build` first). */
export const BIN = fileURLToPath(new URL('../../apps/cli/bin/edgefl.js', import.meta.url));

export interface CliRun {
  code: number | null;
  /** the JSON log lines it printed on stdout */
  lines: Record<string, unknown>[];
  stderr: string;
  stdout: string;
}

/** Runs `edgefl <args>` to completion at log level info (killed after 120 s), collecting its JSON log lines. */
export function runCli(args: readonly string[]): Promise<CliRun> {
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
