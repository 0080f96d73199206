import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/install-system-deps.sh', import.meta.url));
const LIST = fileURLToPath(new URL('../../../scripts/system-packages.txt', import.meta.url));

/**
 * Runs the script with `dpkg-query`, `id` and `apt-get` replaced by shims: `installed`
 * are the packages dpkg knows, `uid` who runs it; apt-get records its arguments and
 * "installs" what it was asked for. The real logic runs; nothing touches the system.
 */
function runWith(o: { installed: string[]; uid: number; args?: string[]; apt?: 'works' | 'fails' | 'absent' }) {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-sysdeps-'));
  const db = join(dir, 'installed');
  const log = join(dir, 'apt-get.log');
  writeFileSync(db, o.installed.map((p) => p + '\n').join(''));
  writeFileSync(log, '');
  const shim = (name: string, body: string): void => {
    writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  shim('dpkg-query', `pkg="\${@: -1}"; grep -qx "$pkg" '${db}' && printf 'install ok installed' || exit 1`);
  shim('id', `echo ${o.uid}`);
  const apt = o.apt ?? 'works';
  // 'fails': apt-get exits 0 but installs nothing (e.g. a name Debian does not have under -qq)
  if (apt !== 'absent') shim('apt-get', `echo "$*" >> '${log}'; [ "$1" = install ] && [ ${apt} = works ] && for a in "$@"; do case "$a" in -*|install) ;; *) echo "$a" >> '${db}';; esac; done; exit 0`);
  // 'absent': PATH holds the shims and the few tools the script uses, no apt-get anywhere
  const path = apt === 'absent' ? dir : `${dir}:${process.env['PATH'] ?? ''}`;
  if (apt === 'absent') for (const tool of ['sed', 'dirname']) shim(tool, `exec /usr/bin/${tool} "$@"`);
  const r = spawnSync('/bin/bash', [SCRIPT, ...(o.args ?? [])], { encoding: 'utf8', env: { PATH: path } });
  return { status: r.status, stderr: r.stderr, apt: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

const listed = readFileSync(LIST, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);

test('the package list is the one place naming what the tests need', () => {
  assert.deepEqual(listed, ['mosquitto', 'dataset-fashion-mnist', 'redis-server', 'chromium', 'openssl', 'tmux']);
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['pretest'], 'bash scripts/install-system-deps.sh');
  // CI runs the README's commands, nothing of its own
  assert.match(readFileSync(fileURLToPath(new URL('../../../.ci/run', import.meta.url)), 'utf8'), /\nnpm ci\nnpm test\n$/);
});

test('everything installed: nothing to do, exit 0', () => {
  const r = runWith({ installed: listed, uid: 1000 });
  assert.deepEqual([r.status, r.stderr, r.apt], [0, '', []]);
});

test('as root, only the missing packages are installed with apt-get', () => {
  const r = runWith({ installed: ['mosquitto', 'chromium', 'openssl'], uid: 0 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.apt, ['update -qq', 'install -y -qq dataset-fashion-mnist redis-server tmux']);
  assert.match(r.stderr, /installing Debian packages the tests need: dataset-fashion-mnist redis-server tmux/);
});

test('a package apt-get did not install fails the run, naming it', () => {
  const r = runWith({ installed: [], uid: 0, args: ['edgefl-fake-missing'], apt: 'fails' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /apt-get did not install edgefl-fake-missing/);
});

test('not root: the exact command to run first, exit 1, nothing installed', () => {
  const r = runWith({ installed: ['mosquitto'], uid: 1000, args: ['mosquitto', 'edgefl-fake-missing'] });
  assert.equal(r.status, 1);
  assert.deepEqual(r.apt, []);
  assert.match(r.stderr, /not installed: edgefl-fake-missing\n/);
  assert.match(r.stderr, /\n {4}sudo apt-get update && sudo apt-get install -y edgefl-fake-missing\n$/);
});

test('no apt-get: says so and names the packages', () => {
  const r = runWith({ installed: [], uid: 0, args: ['mosquitto'], apt: 'absent' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no apt-get: mosquitto/);
});
