import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, npm_config_loglevel: 'warn' } });

/**
 * `npm ci --omit=dev` in `dir` as a board runs it: it succeeds, warns nothing, installs no dev
 * dependency, and the installed CLI then runs a short simulation.
 */
function installLikeABoard(dir: string): void {
  // --offline: from npm's cache, which this repository's own install filled
  const ci = npm(['ci', '--omit=dev', '--offline'], dir);
  assert.equal(ci.status, 0, ci.stderr);
  assert.doesNotMatch(ci.stderr, /npm warn/, ci.stderr);
  for (const dev of ['tsx', 'fast-check']) assert.equal(existsSync(join(dir, 'node_modules', dev)), false, dev);
  const run = spawnSync(process.execPath, ['apps/cli/bin/edgefl.js', 'sim', 'configs/quickstart.yaml', '--transport', 'memory', '--set', 'rounds=2', '--quiet', '--json', 'r.json'],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(existsSync(join(dir, 'r.json')));
}

test('npm ci --omit=dev from a clone builds without dev dependencies (prepare needs only what production installs), warns nothing, and runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-clone-'));
  try {
    // The repository's files as a clone has them (tracked files of the working tree, no build output).
    const files = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'buffer' });
    assert.equal(files.status, 0, files.stderr.toString());
    const copy = spawnSync('tar', ['--null', '-T', '-', '-cf', '-'], { cwd: ROOT, input: files.stdout, maxBuffer: 1 << 30 });
    assert.equal(copy.status, 0, copy.stderr.toString());
    assert.equal(spawnSync('tar', ['-xf', '-'], { cwd: dir, input: copy.stdout, maxBuffer: 1 << 30 }).status, 0);
    assert.equal(existsSync(join(dir, 'apps/cli/dist')), false, 'nothing prebuilt');
    installLikeABoard(dir);
    assert.ok(existsSync(join(dir, 'apps/cli/dist/main.js')), 'prepare built the workspaces');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a board installs the npm pack tarball with npm ci --omit=dev: it compiles nothing, installs no dev dependency, warns nothing, and runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-board-'));
  try {
    const pack = npm(['pack', '--pack-destination', dir], ROOT);
    assert.equal(pack.status, 0, pack.stderr);
    // the repository is left as it was (the pack hooks clean up after themselves)
    assert.equal(existsSync(join(ROOT, 'PREBUILT')), false);
    assert.equal(existsSync(join(ROOT, 'npm-shrinkwrap.json')), false);
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    assert.equal(spawnSync('tar', ['xzf', tgz], { cwd: dir }).status, 0);
    const app = join(dir, 'package');
    assert.ok(existsSync(join(app, 'apps/cli/dist/main.js')), 'dist is prebuilt');
    assert.equal(existsSync(join(app, 'test')), false, 'tests are not shipped');
    installLikeABoard(app);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
