import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRecord } from '@edgefl/core';
import { runBench, runCliSync } from '../helpers/cli-run.js';

// The compiled CLI, as installed (npm test builds it first).
const MAIN = join(import.meta.dirname, '../../apps/cli/dist/main.js');
const run = runCliSync;
const tmp = mkdtempSync(join(tmpdir(), 'edgefl-bench-wire-'));

test('help and argument parsing load no library a command needs only when it runs', () => {
  // CommonJS packages imported from ESM land in Module._cache; none may be there after --help.
  const script = `
    import { main } from ${JSON.stringify(MAIN)};
    import Module from 'node:module';
    process.stdout.write = () => true;
    for (const argv of [['--help'], ['sim', '--help'], ['bench', '--help'], ['gateway', '--help'], ['agent', '--help'], ['keys', '--help'], ['report', '--help']]) await main(argv);
    process.stderr.write(JSON.stringify(Object.keys(Module._cache)));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const loaded = JSON.parse(r.stderr) as string[];
  for (const heavy of ['aedes', 'mqtt', 'onnxruntime-node', 'pino', 'zod', 'yaml', 'cbor-x', 'cli-progress']) {
    assert.ok(!loaded.some((p) => p.includes(`/node_modules/${heavy}/`)), `${heavy} loaded by --help: ${loaded.filter((p) => p.includes(heavy)).join(', ')}`);
  }
});

test('edgefl bench cli times --help against node -e 0 in the same run', () => {
  const { record: rec, stdout } = runBench(tmp, 'cli', ['--quick']);
  const [row] = rec.results;
  assert.equal(row?.name, 'cli edgefl --help ÷ node -e 0');
  assert.ok(rec.reference.value !== null && rec.reference.value > 0);
  assert.ok(Math.abs(row.ratioToReference - row.value / rec.reference.value) < 1e-9, 'ratio is --help ÷ the same run\'s node -e 0');
  assert.equal(row['target'], 2);
  assert.equal(typeof row['met'], 'boolean');
  assert.match(stdout, /cli edgefl --help/);
});

test('edgefl bench broker --against mosquitto starts mosquitto itself and writes vs-mosquitto rows (edgefl ÷ mosquitto)', () => {
  const { record: rec } = runBench(tmp, 'broker', ['--against', 'mosquitto', '--quick']);
  assert.match(rec.reference.name, /^mosquitto [\d.]+: 20 publishers/);
  assert.deepEqual(rec.results.map((x) => x.name), [
    'vs-mosquitto fan-in 20 publishers QoS 1 1 KB',
    'vs-mosquitto fan-in 20 publishers QoS 1 64 KB',
    'vs-mosquitto ping-pong QoS 1 2.4 KB round trip',
  ]);
  const [k1, k64, pp] = rec.results as [BenchRecord['results'][number], BenchRecord['results'][number], BenchRecord['results'][number]];
  // ratioToReference is the median of the same-pair ratios (edgefl ÷ mosquitto as a rate), one per measured pair.
  const medianOf = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  for (const row of [k1, k64, pp]) {
    const ratios = String(row['pairRatios']).split(' ').map(Number);
    assert.equal(ratios.length, 2, 'quick: two measured pairs after the warm-up pair');
    assert.equal(row['pairs'], 2);
    assert.ok(ratios.every((x) => Number.isFinite(x) && x > 0));
    assert.ok(Math.abs(row.ratioToReference - medianOf(ratios)) < 2e-3, `${row.name}: median of ${row['pairRatios']}`);
    assert.equal(row['met'], row === pp ? pp.value <= 2 : row.ratioToReference >= 0.8);
    // The broker's whole process (its thread plus V8's helper threads), and Mosquitto's ÷ it.
    const proc = row['edgeflProcessCpuMsPer1000'];
    assert.ok(typeof proc === 'number' && Number.isFinite(proc) && proc > 0, `${row.name}: process CPU ${proc}`);
    assert.ok(Math.abs((row['processCpuRatio'] as number) - (row['mosquittoCpuMsPer1000'] as number) / proc) < 1e-9);
  }
  assert.equal(k1['messages'], 20 * 200);
  assert.equal(k64.unit, 'MB/s');
  const bad = run(['bench', 'broker', '--against', 'emqx']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /mosquitto/);
});

test('edgefl bench fleet compares the quickstart over MQTT with memory, and both drivers compute the same model', () => {
  const { record: rec } = runBench(tmp, 'fleet', ['--cases', 'quickstart', '--quick']);
  const [row] = rec.results;
  assert.equal(row?.name, 'fleet quickstart median round, mqtt ÷ memory');
  assert.equal(row['sameModel'], true);
  assert.equal(row['rounds'], 20);
  // --quick: one pair, so the median of pair ratios is that pair's MQTT ÷ memory.
  assert.equal(row['pairs'], 1);
  assert.ok(Math.abs(row.ratioToReference - row.value / (row['referenceValue'] as number)) < 1e-9);
  assert.ok(Math.abs(Number(row['pairRatios']) - row.ratioToReference) < 1e-3);
  assert.equal(rec.reference.value, row['referenceValue']);
  const bad = run(['bench', 'fleet', '--cases', 'quickstart,nope']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown fleet benchmark case "nope"[\s\S]*quickstart, agents-1000/);
});
