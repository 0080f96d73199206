#!/usr/bin/env node
// `prepare` (run by npm install / npm ci): builds the TypeScript workspaces into dist/.
// A release tarball (`npm pack`) ships dist/ prebuilt and a PREBUILT marker: nothing to do,
// so a board installs it without compiling (see docs/development.md, "Installing on a device").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// (A source checkout always builds, even if an interrupted `npm pack` left the marker behind.)
if (existsSync(new URL('../PREBUILT', import.meta.url)) && !existsSync(new URL('../.git', import.meta.url))) {
  process.exit(0);
}
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('edgefl: cannot build: TypeScript is not installed, and this is not a prebuilt release.\n' +
    '  fix: run npm ci (TypeScript is a dependency, so even --omit=dev installs it), or install a release tarball made with npm pack');
  process.exit(1);
}
const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
