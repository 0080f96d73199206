/**
 * `edgefl bench cli`: start-up cost of the command against a bare `node -e 0` measured in the
 * same run (alternating, median of each). Each command imports what it runs only when it
 * runs, so `--help` loads commander and the command table, not the libraries.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '@edgefl/core';

/** Issue target: `edgefl --help` ≤ 2 × a bare `node -e 0`. */
export const CLI_HELP_TARGET = 2;

function wallMs(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function benchCli(opts: { quick?: boolean } = {}): { reference: BenchRow; results: BenchRow[] } {
  const bin = fileURLToPath(new URL('../bin/edgefl.js', import.meta.url));
  const runs = opts.quick ? 7 : 21;
  const bare: number[] = [];
  const help: number[] = [];
  wallMs(['-e', '0']); // warm the file cache for both
  wallMs([bin, '--help']);
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(['-e', '0']));
    help.push(wallMs([bin, '--help']));
  }
  const ref = median(bare);
  const value = median(help);
  return {
    reference: { name: 'node -e 0 (reference)', value: ref, unit: 'ms (median)', ratioToReference: 1 },
    results: [{
      name: 'cli edgefl --help ÷ node -e 0', value, unit: 'ms (median)', ratioToReference: value / ref,
      referenceValue: ref, runs, lowerIsBetter: true, target: CLI_HELP_TARGET, met: value / ref <= CLI_HELP_TARGET,
    }],
  };
}
