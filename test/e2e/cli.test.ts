import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@edgefl/runtime';
import { loadAgentConfig, loadExperimentConfig, loadGatewayConfig } from '@edgefl/config';
import { BIN, runBench, runCliSync } from '../helpers/cli-run.js';

// The installed command: the compiled CLI, exactly what `npm start` runs (npm test builds it first).
const run = runCliSync;
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
    const { record: rec, stdout } = runBench(tmp, what, ['--quick', '--sizes', '2000', '--message-bytes', '300000']);
    // every bench says what its ratios are against
    assert.match(stdout, /^reference/m, `${what}: ${stdout}`);
    assert.ok(rec.results.length >= 4, `${what}: ${rec.results.length} rows`);
    for (const row of rec.results) {
      assert.ok(Number.isFinite(row.value) && row.value > 0, row.name);
      assert.ok(Number.isFinite(row.ratioToReference) && row.ratioToReference > 0, row.name);
    }
    if (what === 'codec') {
      // bits per element on the digits MLP update against the order-0 entropy of the coded symbols
      const bits = rec.results.filter((row) => row.name.startsWith('digits MLP 64-128-10 d=9610 '));
      assert.equal(bits.length, 5, bits.map((b) => b.name).join('\n'));
      const paper = bits.find((b) => b.name.includes('{"id":"qsgd","levels":8} '))!;
      const perCoordinate = bits.find((b) => b.name.includes('"per-coordinate"'))!;
      assert.ok(paper.ratioToReference > 1 && paper.value < perCoordinate.value, `${paper.value} vs ${perCoordinate.value}`);
    }
  }
  const wrong = run(['bench', 'gpu']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /Allowed choices are codec, train, broker/);
});

test('Ctrl-C during sim (in a terminal) restores cursor and line wrap, says it stopped, writes the record marked incomplete, exits 130', async () => {
  const { spawn } = await import('node:child_process');
  const out = join(tmp, 'stopped.json');
  // `script` (util-linux, Debian-essential) gives the CLI a pseudo-terminal, so the progress
  // bar hides the cursor and turns line wrap off; the ETX byte on the pty is a real Ctrl-C.
  const cmd = [process.execPath, BIN, 'sim', 'configs/quickstart.yaml', '--set', 'rounds=500', '--json', out].map((a) => `'${a}'`).join(' ');
  const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tty = '';
  let sent = false;
  p.stdout.on('data', (d: Buffer) => {
    tty += d.toString('latin1');
    if (!sent && /round [3-9]\/500/.test(tty)) {
      sent = true;
      p.stdin.write('\x03');
    }
  });
  const kill = setTimeout(() => p.kill('SIGKILL'), 240_000);
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  clearTimeout(kill);
  assert.ok(sent, `no progress seen: ${tty.slice(0, 500)}`);
  assert.equal(code, 130, tty.slice(-800));
  const hidden = tty.lastIndexOf('\x1b[?25l');
  assert.ok(hidden >= 0, 'the bar hid the cursor');
  const after = tty.slice(hidden);
  assert.ok(after.includes('\x1b[?25h'), 'cursor shown again');
  assert.ok(after.includes('\x1b[?7h'), 'line wrap on again');
  const said = /stopped after (\d+) of 500 rounds; partial run record \(marked "incomplete": true\) written to/.exec(tty);
  assert.ok(said, tty.slice(-800));
  const rec = JSON.parse(readFileSync(out, 'utf8')) as RunRecord;
  assert.equal(rec.incomplete, true);
  assert.equal(rec.rounds.length, Number(said[1]));
  assert.ok(rec.rounds.length >= 3 && rec.rounds.length < 500);
  assert.equal(rec.totals.rounds, rec.rounds.length);
});

test('SIGINT during sim without a terminal: exit 130, record marked incomplete; a finished run has no such mark', async () => {
  const { spawn } = await import('node:child_process');
  const out = join(tmp, 'sigint.json');
  const p = spawn(process.execPath, [BIN, 'sim', 'configs/quickstart.yaml', '--transport', 'memory', '--set', 'rounds=100000', '--json', out]);
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // without a terminal, progress is one line per round
    if (/^round 2\//m.test(stderr) && !p.killed) p.kill('SIGINT');
  });
  const kill = setTimeout(() => p.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
  clearTimeout(kill);
  assert.equal(code, 130, stderr);
  assert.match(stderr, /edgefl: stopped after \d+ of 100000 rounds; partial run record/);
  const rec = JSON.parse(readFileSync(out, 'utf8')) as RunRecord;
  assert.equal(rec.incomplete, true);
  assert.ok(rec.rounds.length >= 2);
  assert.equal(rec.totals.rounds, rec.rounds.length);
  const done = run(['sim', 'configs/quickstart.yaml', '--transport', 'memory', '--set', 'rounds=1', '--json', out, '--quiet']);
  assert.equal(done.status, 0, done.stderr);
  assert.equal('incomplete' in (JSON.parse(readFileSync(out, 'utf8')) as RunRecord), false);
});
