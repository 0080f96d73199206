import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readChart } from '../unit/report/svg-reader.js';
import { runCliSync } from '../helpers/cli-run.js';

// The installed command (compiled CLI), the records it reads written by `edgefl sim`.
const run = runCliSync;
const tmp = mkdtempSync(join(tmpdir(), 'edgefl-report-e2e-'));
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

function sim(name: string, sets: string[]): string {
  const out = join(tmp, `${name}.json`);
  const r = run(['sim', 'configs/quickstart.yaml', '--transport', 'memory', '--quiet', '--set', 'rounds=4', '--set', 'fleet.devices=3',
    ...sets.flatMap((s) => ['--set', s]), '--json', out]);
  assert.equal(r.status, 0, r.stderr);
  return out;
}

const u8 = sim('uniform-8', ['codec.up.bits=8']);
const u2 = sim('uniform-2', ['codec.up.bits=2']);
let browser: Browser | undefined;
after(async () => { await browser?.close(); });

test('edgefl report writes one self-contained HTML page and, with --svg, an SVG and a PNG per chart', async () => {
  const html = join(tmp, 'report.html');
  const svgDir = join(tmp, 'svg');
  const r = run(['report', u8, u2, '--out', html, '--svg', svgDir, '--target', 'accuracy=0.5', '--baseline', 'uniform-8']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /accuracy=0\.5 {2}fedavg · up uniform 8-bit · down float32: (round \d+|never reached)/);
  assert.match(r.stdout, /wrote .*report\.html/);
  const ids = ['loss-vs-rounds', 'loss-vs-bits', 'accuracy-vs-rounds', 'accuracy-vs-bits', 'wire-bytes-per-link'];
  assert.deepEqual(readdirSync(svgDir).sort(), ids.flatMap((id) => [`${id}.png`, `${id}.svg`]).sort());
  for (const id of ids) {
    const png = readFileSync(join(svgDir, `${id}.png`));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${id}.png is a PNG`);
    assert.ok(png.length > 5000, `${id}.png has content (${png.length} bytes)`);
  }
  // The standalone SVG plots both runs, each of its 4 rounds.
  const acc = readChart(readFileSync(join(svgDir, 'accuracy-vs-rounds.svg'), 'utf8'));
  assert.equal(acc.lines.length, 2);
  assert.equal(acc.points.length, 8);
  const rec = JSON.parse(readFileSync(u2, 'utf8')) as { rounds: { round: number; accuracy: number }[] };
  for (const rr of rec.rounds) {
    const p = acc.points.find((q) => q.datum['run'] === 'fedavg · up uniform 2-bit · down float32' && q.datum['round'] === String(rr.round));
    assert.ok(p && Math.abs(Number(p.datum['held-out accuracy']) - rr.accuracy) < 1e-9, `round ${rr.round}`);
  }

  // Real headless Chromium opens the file from disk: no console errors, no request but the file itself.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (q) => requests.push(q.url()));
  const url = pathToFileURL(html).href;
  await page.goto(url, { waitUntil: 'load' });
  assert.equal(await page.title(), 'edgefl report: 2 runs');
  assert.equal(await page.locator('svg').count(), ids.length);
  for (const id of ids) {
    const box = await page.locator(`#chart-${id} svg`).boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, `${id} is laid out (${JSON.stringify(box)})`);
  }
  assert.equal(await page.locator('details').count(), 2);
  assert.equal(await page.locator('details pre').first().isVisible(), false, 'configs are folded');
  await page.locator('details summary').first().click();
  assert.match(await page.locator('details pre').first().innerText(), /algorithm:\n\s+name: fedavg/);
  assert.equal(await page.locator('table.to-target tbody tr').count(), 2);
  const shot = await page.screenshot({ fullPage: true });
  writeFileSync(join(tmp, 'report.png'), shot);
  assert.ok(shot.length > 50_000, `screenshot ${shot.length} bytes`);
  assert.deepEqual(problems, []);
  assert.deepEqual(requests, [url]);
});

test('bad input exits 2 with the cause: not JSON, not edgefl-run/1, no rounds, a target no run records, an unknown baseline', () => {
  const notJson = join(tmp, 'notes.json');
  writeFileSync(notJson, 'round 1: loss 0.3\n');
  const bench = join(tmp, 'bench.json');
  writeFileSync(bench, JSON.stringify({ format: 'edgefl-bench/1', results: [] }));
  const empty = join(tmp, 'empty.json');
  writeFileSync(empty, JSON.stringify({ ...JSON.parse(readFileSync(u8, 'utf8')), rounds: [] }));
  const out = join(tmp, 'bad.html');
  const cases: [string[], RegExp][] = [
    [[notJson], /notes\.json is not JSON/],
    [[bench], /bench\.json is not an edgefl-run\/1 record \(format "edgefl-bench\/1"\)/],
    [[u8, empty], /empty\.json has no rounds/],
    [[u8, join(tmp, 'missing.json')], /cannot read run record .*missing\.json: no such file/],
    [[u8, u2, '--target', 'gap=1e-5'], /no run records objectiveGap/],
    [[u8, '--target', 'speed=2'], /unknown metric "speed"/],
    [[u8, u2, '--baseline', 'float32'], /--baseline "float32" names no run/],
    [[u8, u2, '--label', 'just one'], /1 --label value\(s\) for 2 run file\(s\)/],
  ];
  for (const [args, message] of cases) {
    const r = run(['report', ...args, '--out', out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /fix: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const toDir = run(['report', u8, '--out', tmp]);
  assert.equal(toDir.status, 2);
  assert.match(toDir.stderr, /cannot write .*EISDIR/);
  const help = run(['report', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: edgefl report \[options\] <run\.json\.\.\.>/);
  const noOut = run(['report', u8]);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out/);
  assert.throws(() => readFileSync(out), 'no report written on bad input');
});
