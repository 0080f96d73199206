#!/usr/bin/env node
// Prints paper 003's Table 3 layout (accuracy, sparsity, quantization error) plus payload
// bits per round and worker, up and down, from the run records scripts/repro/qcmd-qrda.sh wrote.
// Usage: node scripts/repro/qcmd-qrda-table.mjs <dir-of-run-records>
import { existsSync, readFileSync } from 'node:fs';
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
for (const exp of ['logreg', 'lenet']) {
  const rows = [];
  for (const [key, label] of methods) {
    const f = join(dir, `${exp}-${key}.json`);
    if (!existsSync(f)) continue;
    const r = JSON.parse(readFileSync(f, 'utf8'));
    const rounds = r.rounds;
    const last = rounds[rounds.length - 1];
    const errs = rounds.map((x) => x.uplinkRelError).filter((x) => typeof x === 'number');
    const devices = new Set(r.links.map((l) => (l.from === 'gateway' ? l.to : l.from))).size;
    const up = r.links.filter((l) => l.to === 'gateway').reduce((s, l) => s + l.payloadBits, 0) / rounds.length / devices;
    const down = r.links.filter((l) => l.from === 'gateway').reduce((s, l) => s + l.payloadBits, 0) / rounds.length / devices;
    const tail = rounds.slice(-10).map((x) => x.accuracy);
    const tailMean = tail.reduce((a, b) => a + b, 0) / tail.length;
    rows.push(`| ${label} | ${fmt(100 * last.accuracy)} | ${fmt(100 * tailMean)} | ${fmt(100 * last.modelSparsity)} | ${errs.length ? (errs.reduce((a, b) => a + b, 0) / errs.length).toExponential(2) : '–'} | ${Math.round(up)} | ${Math.round(down)} |`);
  }
  if (rows.length === 0) continue;
  const r0 = JSON.parse(readFileSync(join(dir, `${exp}-${methods.find(([k]) => existsSync(join(dir, `${exp}-${k}.json`)))[0]}.json`), 'utf8'));
  console.log(`\n${exp} (d = ${r0.model.dim}, ${r0.rounds.length} rounds)\n`);
  console.log('| Method | Accuracy (%), final | Accuracy (%), mean of last 10 rounds | Sparsity (%) | Error ‖Q(g)−g‖²/‖g‖² | bits/round up (per worker) | bits/round down (per worker) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
}
