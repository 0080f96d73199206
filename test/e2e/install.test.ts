import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, npm_config_loglevel: 'warn' } });

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
    // --offline: from npm's cache, which this repository's own install filled
    const ci = npm(['ci', '--omit=dev', '--offline'], app);
    assert.equal(ci.status, 0, ci.stderr);
    assert.doesNotMatch(ci.stderr, /npm warn/, ci.stderr);
    for (const dev of ['tsx', 'fast-check']) assert.equal(existsSync(join(app, 'node_modules', dev)), false, dev);
    const run = spawnSync(process.execPath, ['apps/cli/bin/edgefl.js', 'sim', 'configs/quickstart.yaml', '--transport', 'memory', '--set', 'rounds=2', '--quiet', '--json', 'r.json'],
      { cwd: app, encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(existsSync(join(app, 'r.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
