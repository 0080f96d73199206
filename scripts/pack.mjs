#!/usr/bin/env node
// `npm pack` hooks: `pack.mjs pre` builds, marks the tree PREBUILT (so installing the tarball
// does not compile) and ships the lock as npm-shrinkwrap.json (npm never packs
// package-lock.json, and `npm ci` needs a lock); `pack.mjs post` removes both again.
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const at = (p) => new URL(`../${p}`, import.meta.url);
if (process.argv[2] === 'pre') {
  const r = spawnSync('npm', ['run', 'build'], { cwd: at(''), stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
  copyFileSync(at('package-lock.json'), at('npm-shrinkwrap.json'));
  writeFileSync(at('PREBUILT'), 'dist/ of every workspace is built: `npm ci` does not compile (scripts/prepare.mjs).\n');
} else if (process.argv[2] === 'post') {
  rmSync(at('npm-shrinkwrap.json'), { force: true });
  rmSync(at('PREBUILT'), { force: true });
} else {
  console.error('usage: pack.mjs pre|post');
  process.exit(2);
}
