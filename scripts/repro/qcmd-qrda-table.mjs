#!/usr/bin/env node
// Prints paper 003's Table 3 layout (accuracy, sparsity, quantization error) plus payload
// bits per round and worker, up and down, from the run records scripts/repro/qcmd-qrda.sh wrote.
// Usage: node scripts/repro/qcmd-qrda-table.mjs <dir-of-run-records>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'runs/qcmd-qrda';
const methods = [
  ['prox-gd', '32-bit Prox-GD'], ['cmd', '32-bit CMD adagrad'],
  ['qcmd-terngrad-single', 'Ternary CMD adagrad †'], ['qcmd-threshold-single', 'Threshold CMD adagrad †'],
  ['qcmd-terngrad', 'Ternary CMD adagrad'], ['qcmd-threshold', 'Threshold CMD adagrad'],
  ['rda', '32-bit RDA adagrad'],
  ['qrda-terngrad-single', 'Ternary RDA adagrad †'], ['qrda-threshold-single', 'Threshold RDA adagrad †'],
  ['qrda-terngrad', 'Ternary RDA adagrad'], ['qrda-threshold', 'Threshold RDA adagrad'],
];
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
const mean = (a) => a.reduce((p, q) => p + q, 0) / a.length;
/** "m" for one run, "m ± sd" (sample standard deviation over seeds) for several */
const ms = (a, digits = 2) => (a.length === 1 ? fmt(a[0], digits) : `${fmt(mean(a), digits)} ± ${fmt(Math.sqrt(a.reduce((p, q) => p + (q - mean(a)) ** 2, 0) / (a.length - 1)), digits)}`);
const files = existsSync(dir) ? readdirSync(dir) : [];
/** the run records of one method: <exp>-<key>-s<seed>.json (or <exp>-<key>.json) */
const recordsOf = (exp, key) => files.filter((f) => f === `${exp}-${key}.json` || new RegExp(`^${exp}-${key}-s\\d+\\.json$`).test(f))
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
for (const exp of ['logreg', 'lenet']) {
  const rows = [];
  let first;
  for (const [key, label] of methods) {
    const runs = recordsOf(exp, key);
    if (runs.length === 0) continue;
    first ??= runs[0];
    const per = runs.map((r) => {
      const rounds = r.rounds;
      const last = rounds[rounds.length - 1];
      const errs = rounds.map((x) => x.uplinkRelError).filter((x) => typeof x === 'number');
      const devices = new Set(r.links.map((l) => (l.from === 'gateway' ? l.to : l.from))).size;
      return {
        acc: 100 * last.accuracy,
        tail: 100 * mean(rounds.slice(-10).map((x) => x.accuracy)),
        sparsity: 100 * last.modelSparsity,
        err: errs.length ? mean(errs) : NaN,
        up: r.links.filter((l) => l.to === 'gateway').reduce((s, l) => s + l.payloadBits, 0) / rounds.length / devices,
        down: r.links.filter((l) => l.from === 'gateway').reduce((s, l) => s + l.payloadBits, 0) / rounds.length / devices,
      };
    });
    const err = mean(per.map((p) => p.err));
    rows.push(`| ${label} | ${ms(per.map((p) => p.acc))} | ${ms(per.map((p) => p.tail))} | ${ms(per.map((p) => p.sparsity))} | ${Number.isNaN(err) ? '–' : err.toExponential(2)} | ${Math.round(mean(per.map((p) => p.up)))} | ${Math.round(mean(per.map((p) => p.down)))} |`);
  }
  if (rows.length === 0) continue;
  const seeds = new Set(files.filter((f) => f.startsWith(`${exp}-`)).map((f) => /-s(\d+)\.json$/.exec(f)?.[1] ?? '1'));
  console.log(`\n${exp} (d = ${first.model.dim}, ${first.rounds.length} rounds, ${seeds.size === 1 ? 'one seed' : `mean ± sd over ${seeds.size} seeds`})\n`);
  console.log('| Method | Accuracy (%), final | Accuracy (%), mean of last 10 rounds | Sparsity (%) | Error ‖Q(g)−g‖²/‖g‖² | bits/round up (per worker) | bits/round down (per worker) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}
