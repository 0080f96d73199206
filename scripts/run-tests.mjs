#!/usr/bin/env node
// Runs node:test over TypeScript test files (through tsx, resolving @edgefl/* to their
// sources via the "edgefl-source" export condition). Usage: run-tests.mjs [dir|file]…
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const targets = roots.length ? roots : ['test/unit', 'test/integration', 'test/e2e'];

function collect(p, out) {
  let st;
  try { st = statSync(p); } catch { return out; }
  if (st.isFile()) { if (p.endsWith('.test.ts')) out.push(p); return out; }
  for (const e of readdirSync(p).sort()) collect(join(p, e), out);
  return out;
}
const files = targets.flatMap((t) => collect(t, []));
if (files.length === 0) {
  console.error(`no test files under ${targets.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath,
  ['--conditions=edgefl-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...passthrough, ...files],
  { stdio: 'inherit' });
process.exit(r.status ?? 1);
