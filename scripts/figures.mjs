#!/usr/bin/env node
// Regenerates the figures embedded in the docs from docs/figures/figures.json:
// for each figure, runs `edgefl sim` once per run (records into docs/figures/<id>/runs/),
// then `edgefl report` over them, and keeps the listed charts as docs/figures/<id>/<chart>.svg
// plus the report's to-target lines in docs/figures/<id>/to-target.txt.
// Usage: npm run figures [-- <figure id>…]   (uses the compiled CLI: `npm run build` first)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'apps/cli/bin/edgefl.js');
const listFile = join(root, 'docs/figures/figures.json');
const only = process.argv.slice(2);

function fail(msg) {
  console.error(`figures: ${msg}`);
  process.exit(2);
}

function edgefl(args) {
  console.log(`$ edgefl ${args.map((a) => (/[\s{}=]/.test(a) && !a.startsWith('--') ? `'${a}'` : a)).join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) fail(`edgefl ${args[0]} exited with ${r.status}`);
  return r.stdout;
}

const isStrings = (a) => Array.isArray(a) && a.every((s) => typeof s === 'string');
const ID = /^[a-z0-9][a-z0-9-]*$/;

const list = JSON.parse(readFileSync(listFile, 'utf8'));
if (!Array.isArray(list.figures)) fail(`${listFile}: "figures" must be a list`);
for (const id of only) if (!list.figures.some((f) => f.id === id)) fail(`no figure "${id}" in ${listFile}`);

for (const fig of list.figures) {
  if (only.length && !only.includes(fig.id)) continue;
  const where = `figure ${JSON.stringify(fig.id)}`;
  if (typeof fig.id !== 'string' || !ID.test(fig.id)) fail(`${where}: id must be lower-case letters, digits and -`);
  if (!Array.isArray(fig.runs) || fig.runs.length === 0) fail(`${where}: "runs" must list at least one run`);
  for (const r of fig.runs) {
    if (typeof r.id !== 'string' || !ID.test(r.id) || !isStrings(r.sim)) fail(`${where}: each run needs an id and "sim" (arguments of edgefl sim)`);
  }
  if (fig.report !== undefined && !isStrings(fig.report)) fail(`${where}: "report" must be a list of edgefl report arguments`);
  if (!isStrings(fig.charts) || fig.charts.length === 0) fail(`${where}: "charts" must list chart ids (e.g. accuracy-vs-bits)`);

  const dir = join(root, 'docs/figures', fig.id);
  rmSync(join(dir, 'runs'), { recursive: true, force: true });
  mkdirSync(join(dir, 'runs'), { recursive: true });
  const files = [];
  for (const r of fig.runs) {
    const out = join(dir, 'runs', `${r.id}.json`);
    edgefl(['sim', ...r.sim, '--quiet', '--json', relative(root, out)]);
    files.push(relative(root, out));
  }
  const work = mkdtempSync(join(tmpdir(), 'edgefl-figures-'));
  try {
    const labels = fig.runs.every((r) => typeof r.label === 'string') ? fig.runs.flatMap((r) => ['--label', r.label]) : [];
    const title = typeof fig.title === 'string' ? ['--title', fig.title] : [];
    const stdout = edgefl(['report', ...files, ...labels, ...title, ...(fig.report ?? []), '--out', join(work, 'report.html'), '--svg', join(work, 'svg')]);
    for (const chart of fig.charts) {
      try {
        copyFileSync(join(work, 'svg', `${chart}.svg`), join(dir, `${chart}.svg`));
      } catch {
        fail(`${where}: the report drew no chart "${chart}"`);
      }
      console.log(`  ${relative(root, join(dir, `${chart}.svg`))}`);
    }
    const lines = stdout.split('\n').filter((l) => l && !l.startsWith('wrote '));
    if (lines.length) writeFileSync(join(dir, 'to-target.txt'), lines.join('\n') + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
