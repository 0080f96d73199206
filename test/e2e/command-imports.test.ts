import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The compiled CLI, as installed (npm test builds it first).
const BIN = join(import.meta.dirname, '../../apps/cli/bin/edgefl.js');
const ROOT = join(import.meta.dirname, '../..');

// A module resolve hook, registered before the CLI starts, names every module (ESM or
// CommonJS, through `import`) the command resolves: what it loads, not what Module._cache
// happens to hold.
const HOOK = `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('\\u0000loaded ' + r.url + '\\n'); return r; }`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOK)}`)});`;

function loadedBy(args: string[]): { status: number | null; stderr: string; packages: Set<string>; files: string[] } {
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const urls = [...r.stderr.matchAll(/\u0000loaded (\S+)/g)].map((m) => m[1]!);
  const packages = new Set(urls.flatMap((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  return { status: r.status, stderr: r.stderr.replace(/\u0000loaded \S+\n/g, ''), packages, files: urls.filter((u) => !u.includes('/node_modules/')) };
}

const BROKER = ['aedes', 'aedes-persistence', 'aedes-persistence-redis', 'mqemitter', 'mqemitter-redis', 'ioredis', 'prom-client', 'ws'];
const TRAINING = ['onnxruntime-node', 'zod', 'cbor-x'];

test('--help loads commander and the command table only (ESM packages included)', () => {
  for (const args of [['--help'], ['gateway', '--help'], ['agent', '--help'], ['keys', '--help'], ['report', '--help'], ['top', '--help'], ['bench', '--help']]) {
    const r = loadedBy(args);
    assert.equal(r.status, 0, r.stderr);
    for (const heavy of [...BROKER, ...TRAINING, 'mqtt', 'pino', 'yaml', 'cli-progress', 'vega-lite']) assert.ok(!r.packages.has(heavy), `edgefl ${args.join(' ')} loaded ${heavy}`);
  }
});

test('edgefl keys loads the key file code, not the broker or the trainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefl-imports-'));
  try {
    const keys = join(dir, 'keys.json');
    const add = loadedBy(['keys', 'add', 'dev-01', '--keys', keys]);
    assert.equal(add.status, 0, add.stderr);
    const list = loadedBy(['keys', 'list', '--keys', keys]);
    assert.equal(list.status, 0, list.stderr);
    for (const r of [add, list]) {
      for (const heavy of [...BROKER, ...TRAINING]) assert.ok(!r.packages.has(heavy), `edgefl keys loaded ${heavy}`);
      assert.deepEqual(r.files.filter((f) => /\/apps\/gateway\/dist\/(broker|gateway|aggregator)\.js$/.test(f)), [], 'no broker module');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('edgefl agent loads the agent, not the gateway\'s broker', () => {
  // A config error stops it after its imports, before any connection.
  const r = loadedBy(['agent', '--config', join(ROOT, 'configs/agent.yaml'), '--set', 'no.such.key=1']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /got unknown key "no"/);
  assert.ok(r.packages.has('onnxruntime-node') && r.packages.has('mqtt'), 'the agent\'s own libraries are loaded');
  for (const heavy of BROKER) assert.ok(!r.packages.has(heavy), `edgefl agent loaded ${heavy}`);
  assert.deepEqual(r.files.filter((f) => /\/apps\/gateway\/dist\/(broker|gateway|aggregator|index)\.js$/.test(f)), [], 'no gateway module');
});

test('edgefl sim --transport memory loads neither the broker nor the agent', () => {
  const r = loadedBy(['sim', join(ROOT, 'configs/quickstart.yaml'), '--transport', 'memory', '--set', 'rounds=1', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.packages.has('onnxruntime-node'), 'it trains');
  for (const heavy of BROKER) assert.ok(!r.packages.has(heavy), `edgefl sim --transport memory loaded ${heavy}`);
  assert.deepEqual(r.files.filter((f) => /\/apps\/(gateway|agent)\/dist\//.test(f)), [], 'no gateway or agent module');
});
