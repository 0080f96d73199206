import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport, reportCharts, progressPoints, parseRunFile, renderSvg, spansDecades } from '@edgefl/report';
import { runRecord, writeRun, type FixtureRound } from './fixtures.js';
import { axisMap, readBars, readChart, readXAxis } from './svg-reader.js';

// Three runs with numbers chosen so every plotted point can be checked against the record.
const rounds = (acc: number[], bits: number, bytes: number, gap?: (i: number) => number): FixtureRound[] =>
  acc.map((a, i) => ({ loss: 2 * (1 - a), accuracy: a, objectiveGap: gap ? gap(i) : null, payloadBits: bits * (1 + i % 2), wireBytes: bytes }));
const R8 = runRecord(rounds([0.3, 0.55, 0.7, 0.8, 0.86, 0.9], 800, 120), { bits: 8 });
const R2 = runRecord(rounds([0.25, 0.5, 0.62, 0.75, 0.81, 0.85, 0.88], 200, 40), { bits: 2 });
const R32 = runRecord(rounds([0.32, 0.58, 0.72, 0.82, 0.87], 3200, 430), { bits: 32 });
const records = [R8, R2, R32];
const files = [writeRun(R8, 'u8.json'), writeRun(R2, 'u2.json'), writeRun(R32, 'f32.json')];
const LABELS = ['fedavg · up uniform 8-bit · down float32', 'fedavg · up uniform 2-bit · down float32', 'fedavg · up uniform 32-bit · down float32'];

/** Cumulative payload bits after each round, computed here independently of the library. */
const cumBits = (rec: typeof R8) => rec.rounds.reduce<number[]>((acc, r) => [...acc, (acc.at(-1) ?? 0) + r.payloadBits], []);

function checkPoints(svg: string, field: 'loss' | 'accuracy' | 'objectiveGap', x: 'round' | 'bits'): void {
  const c = readChart(svg);
  const mx = axisMap(c.x);
  const my = axisMap(c.y);
  const expected = records.flatMap((rec, k) => rec.rounds.filter((r) => r[field] !== null).map((r, i) => ({ run: LABELS[k]!, round: r.round, x: x === 'round' ? r.round : cumBits(rec)[i]!, y: r[field]! })));
  assert.equal(c.points.length, expected.length, 'one point per recorded round');
  for (const e of expected) {
    const p = c.points.find((q) => q.datum['run'] === e.run && q.datum['round'] === String(e.round));
    assert.ok(p, `point ${e.run} round ${e.round}`);
    assert.ok(Math.abs(mx(e.x) - p.x) <= 1, `${e.run} round ${e.round}: x ${p.x} px, expected ${mx(e.x)} px for ${e.x}`);
    assert.ok(Math.abs(my(e.y) - p.y) <= 1, `${e.run} round ${e.round}: y ${p.y} px, expected ${my(e.y)} px for ${e.y}`);
  }
}

test('the report has loss and accuracy charts against rounds and bits, and the wire-bytes chart; no gap chart without a gap', async () => {
  const r = await buildReport({ files });
  assert.deepEqual(r.charts.map((c) => c.id), ['loss-vs-rounds', 'loss-vs-bits', 'accuracy-vs-rounds', 'accuracy-vs-bits', 'wire-bytes-per-link']);
});

test('loss vs rounds: one series per run labelled by algorithm + codec, axis titles, every point where the record puts it', async () => {
  const r = await buildReport({ files });
  const svg = r.charts.find((c) => c.id === 'loss-vs-rounds')!.svg;
  const c = readChart(svg);
  assert.equal(c.title, 'loss vs rounds');
  assert.equal(c.x.title, 'round');
  assert.equal(c.y.title, 'loss');
  assert.equal(c.lines.length, 3, 'three series');
  assert.deepEqual(c.legend, LABELS);
  assert.equal(c.y.scale, 'linear', 'loss 1.4 → 0.2 spans less than two decades');
  checkPoints(svg, 'loss', 'round');
});

test('accuracy vs cumulative payload bits: bits summed over rounds; a log axis because the runs span two decades of bits', async () => {
  const r = await buildReport({ files });
  const svg = r.charts.find((c) => c.id === 'accuracy-vs-bits')!.svg;
  const c = readChart(svg);
  assert.equal(c.x.title, 'cumulative payload bits');
  assert.equal(c.y.title, 'held-out accuracy');
  // 200 bits (2-bit run, round 1) to 3200·(1+2+1+2+1) = 22 400 bits: 112× → log.
  assert.equal(c.x.scale, 'log');
  assert.equal(c.y.scale, 'linear');
  checkPoints(svg, 'accuracy', 'bits');
});

test('--label names the series; a log y axis for an objective gap spanning decades, with points at their log positions', async () => {
  const G1 = runRecord(rounds([0.1, 0.2, 0.3, 0.4], 100, 10, (i) => 10 ** -(2 * i)), { alg: 'gd' });
  const G2 = runRecord(rounds([0.1, 0.2, 0.3, 0.4], 100, 10, (i) => 0.5 * 10 ** -i), { alg: 'gd' });
  const f = [writeRun(G1), writeRun(G2)];
  const r = await buildReport({ files: f, labels: ['exact', 'quantized'] });
  assert.ok(r.charts.some((c) => c.id === 'gap-vs-rounds') && r.charts.some((c) => c.id === 'gap-vs-bits'));
  const c = readChart(r.charts.find((x) => x.id === 'gap-vs-rounds')!.svg);
  assert.equal(c.y.scale, 'log');
  assert.equal(c.y.title, 'objective gap F − F*');
  assert.deepEqual(c.legend, ['exact', 'quantized']);
  const my = axisMap(c.y);
  for (const [k, rec] of [G1, G2].entries()) {
    for (const rr of rec.rounds) {
      const p = c.points.find((q) => q.datum['run'] === ['exact', 'quantized'][k] && q.datum['round'] === String(rr.round))!;
      assert.ok(Math.abs(my(rr.objectiveGap!) - p.y) <= 1, `gap ${rr.objectiveGap} at ${p.y}, expected ${my(rr.objectiveGap!)}`);
    }
  }
});

test('wire bytes per link: one bar per link and run, lengths proportional to the record\'s wireBytes', async () => {
  const links = (k: number) => [
    { from: 'dev-01', to: 'gateway', payloadBits: 1, wireBytes: 1000 * k },
    { from: 'gateway', to: 'dev-01', payloadBits: 1, wireBytes: 4000 },
    { from: 'dev-02', to: 'dev-03', payloadBits: 1, wireBytes: 2500 + k },
  ];
  const f = [1, 2].map((k) => writeRun(runRecord([{ loss: 1, payloadBits: 1, wireBytes: 1 }], { links: links(k) })));
  const r = await buildReport({ files: f, labels: ['one', 'two'] });
  const svg = r.charts.find((c) => c.id === 'wire-bytes-per-link')!.svg;
  const bars = readBars(svg);
  assert.equal(bars.length, 6);
  const x = axisMap(readXAxis(svg));
  for (const k of [1, 2]) {
    for (const l of links(k)) {
      const b = bars.find((q) => q.datum['run'] === ['one', 'two'][k - 1] && q.datum['link'] === `${l.from} → ${l.to}`);
      assert.ok(b, `${l.from} → ${l.to}`);
      assert.ok(Math.abs(b.x0 + b.width - x(l.wireBytes)) <= 1, `${l.from} → ${l.to}: bar ends at ${b.x0 + b.width}, expected ${x(l.wireBytes)}`);
    }
  }
  assert.equal(readXAxis(svg).title, 'wire bytes');
});

test('a diverged round (null loss) is left out of the loss chart, not plotted at 0', async () => {
  const rec = runRecord([{ loss: 1, accuracy: 0.5, payloadBits: 1, wireBytes: 1 }, { loss: null, accuracy: 0.1, payloadBits: 1, wireBytes: 1 }]);
  const runs = [{ label: 'd', points: progressPoints('d', parseRunFile(JSON.stringify(rec), 'd.json').record), links: [] }];
  const loss = reportCharts(runs).find((c) => c.id === 'loss-vs-rounds')!;
  assert.equal(readChart(await renderSvg(loss.spec)).points.length, 1);
});

test('spansDecades: log only for positive values at least 100× apart', () => {
  assert.equal(spansDecades([1, 99]), false);
  assert.equal(spansDecades([1, 100]), true);
  assert.equal(spansDecades([0, 1000]), false);
  assert.equal(spansDecades([5]), false);
});
