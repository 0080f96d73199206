import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@edgefl/runtime';
import { loadAgentConfig, loadExperimentConfig, loadGatewayConfig } from '@edgefl/config';

// The installed command: the compiled CLI, exactly what `npm start` runs (npm test builds it first).
const BIN = join(import.meta.dirname, '../../apps/cli/bin/edgefl.js');
const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 300_000 });
const tmp = mkdtempSync(join(tmpdir(), 'edgefl-cli-'));

test('the main job (npm start) reaches ≥ 90 % held-out accuracy on digits over MQTT and writes the run record', () => {
  const out = join(tmp, 'quickstart.json');
  const r = run(['sim', 'configs/quickstart.yaml', '--json', out]);
  assert.equal(r.status, 0, r.stderr);
  const rec = JSON.parse(readFileSync(out, 'utf8')) as RunRecord;
  assert.equal(rec.format, 'edgefl-run/1');
  assert.equal(rec.rounds.length, 20);
  assert.ok(rec.totals.finalAccuracy! >= 0.9, `accuracy ${rec.totals.finalAccuracy}`);
  assert.equal((rec.config as { transport: { kind: string } }).transport.kind, 'mqtt');
  assert.equal(rec.links.length, 16, '8 devices × (uplink, downlink)');
  // The summary names the accuracy, every device and the saving against float32.
  assert.match(r.stdout, /held-out accuracy 9\d\.\d\d%/);
  for (let d = 1; d <= 8; d++) assert.match(r.stdout, new RegExp(`dev-0${d} `));
  assert.match(r.stdout, /as float32 updates: 4\.0× smaller/);
});

test('--transport memory and --set override the file', () => {
  const out = join(tmp, 'mem.json');
  const r = run(['sim', 'configs/quickstart.yaml', '--transport', 'memory', '--set', 'rounds=2', '--set', 'fleet.devices=3', '--json', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const rec = JSON.parse(readFileSync(out, 'utf8')) as RunRecord;
  assert.equal(rec.rounds.length, 2);
  assert.equal(rec.links.length, 6);
  assert.equal((rec.config as { transport: { kind: string } }).transport.kind, 'memory');
});

test('configuration errors name the key path and the expected value, and nothing starts', () => {
  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, 'job: x\nrounds: many\nmodle: { kind: mlp }\n');
  const r = run(['sim', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /rounds: expected .*integer.*, got "many"/);
  assert.match(r.stderr, /modle/);
  assert.doesNotMatch(r.stdout + r.stderr, /round 1/);
  const missing = run(['sim', join(tmp, 'nope.yaml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.yaml/);
  const badSet = run(['sim', 'configs/quickstart.yaml', '--set', 'algorithm.lr=-1']);
  assert.equal(badSet.status, 2);
  assert.match(badSet.stderr, /algorithm\.lr/);
});

test('every command has --help', () => {
  for (const cmd of ['sim', 'gateway', 'agent', 'bench']) {
    const r = run([cmd, '--help']);
    assert.equal(r.status, 0, cmd);
    assert.match(r.stdout, new RegExp(`Usage: edgefl ${cmd}`));
    if (cmd !== 'bench') assert.match(r.stdout, /--set <key=value>/);
  }
});

test('the --set examples in each command\'s --help are accepted by that command', () => {
  const load = { sim: (s: string[]) => loadExperimentConfig('configs/quickstart.yaml', s), gateway: (s: string[]) => loadGatewayConfig('configs/gateway.yaml', s), agent: (s: string[]) => loadAgentConfig('configs/agent.yaml', s) };
  for (const cmd of ['sim', 'gateway', 'agent'] as const) {
    const r = run([cmd, '--help']);
    const examples = [...r.stdout.matchAll(/--set\s+([A-Za-z0-9_.-]+=\S+)/g)].map((m) => m[1]!);
    assert.ok(examples.length >= 2, `${cmd}: ${r.stdout}`);
    assert.doesNotThrow(() => load[cmd](examples), `${cmd} --help shows ${examples.join(' ')}`);
  }
});

test('bench arguments are checked: a bad --sizes or --message-bytes exits 2 naming the option', () => {
  for (const sizes of ['abc', '0', '-5', '1000,x']) {
    const r = run(['bench', 'codec', '--sizes', sizes]);
    assert.equal(r.status, 2, `--sizes ${sizes}: ${r.stdout}`);
    assert.match(r.stderr, /--sizes.*is invalid\. expected comma-separated vector lengths ≥ 1/);
    assert.equal(r.stdout.includes('reference'), false, 'nothing measured');
  }
  for (const bytes of ['abc', '0', '1.5']) {
    const r = run(['bench', 'broker', '--message-bytes', bytes]);
    assert.equal(r.status, 2, `--message-bytes ${bytes}`);
    assert.match(r.stderr, /--message-bytes.*is invalid\. expected a message size in bytes/);
  }
});

test('edgefl bench codec|train|broker write edgefl-bench/1 records with ratios against a same-run reference', () => {
  for (const what of ['codec', 'train', 'broker'] as const) {
    const out = join(tmp, `bench-${what}.json`);
    const r = run(['bench', what, '--quick', '--sizes', '2000', '--message-bytes', '300000', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    // every bench says what its ratios are against
    assert.match(r.stdout, /^reference/m, `${what}: ${r.stdout}`);
    const rec = JSON.parse(readFileSync(out, 'utf8')) as { format: string; bench: string; results: { name: string; value: number; ratioToReference: number }[] };
    assert.equal(rec.format, 'edgefl-bench/1');
    assert.equal(rec.bench, what);
    assert.ok(rec.results.length >= 4, `${what}: ${rec.results.length} rows`);
    for (const row of rec.results) {
      assert.ok(Number.isFinite(row.value) && row.value > 0, row.name);
      assert.ok(Number.isFinite(row.ratioToReference) && row.ratioToReference > 0, row.name);
    }
  }
  const wrong = run(['bench', 'gpu']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /Allowed choices are codec, train, broker/);
});
