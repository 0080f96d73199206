import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOMParser } from '@xmldom/xmldom';
import { buildReport, describeCodec, describeRun, runLabels, parseRunFile } from '@edgefl/report';
import { runRecord, writeRun } from './fixtures.js';

test('series labels: algorithm and codec from the resolved config; collisions get the file name', () => {
  assert.equal(describeCodec({ id: 'uniform', bits: 4 }), 'uniform 4-bit');
  assert.equal(describeCodec({ id: 'topk', ratio: 0.01, inner: { id: 'x' } }), 'topk (ratio=0.01)');
  assert.equal(describeRun({ algorithm: { name: 'qgadmm' }, codec: { up: { id: 'qgadmm', bits: 2 }, down: { id: 'float32' } } }),
    'qgadmm · up qgadmm 2-bit · down float32');
  assert.equal(describeRun(null), 'run');
  const rec = runRecord([{ loss: 1, payloadBits: 1, wireBytes: 1 }]);
  const f = (name: string) => parseRunFile(JSON.stringify(rec), `${name}.json`);
  assert.deepEqual(runLabels([f('a'), f('b')]), ['fedavg · up uniform 8-bit · down float32 (a)', 'fedavg · up uniform 8-bit · down float32 (b)']);
  assert.deepEqual(runLabels([f('a'), f('b')], ['x', 'y']), ['x', 'y']);
});

test('the page is self-contained: no scripts, no external references, one inline SVG per chart, configs folded, text escaped', async () => {
  const A = runRecord([0.5, 0.9].map((a) => ({ loss: 1 - a, accuracy: a, payloadBits: 100, wireBytes: 40 })));
  const B = runRecord([0.2, 0.4].map((a) => ({ loss: 1 - a, accuracy: a, payloadBits: 10, wireBytes: 4 })));
  const files = [writeRun(A), writeRun(B)];
  const r = await buildReport({ files, labels: ['<b>bold</b> & co', 'plain'], targets: ['accuracy=0.8'] });
  const html = r.html;
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no network references');
  assert.doesNotMatch(html, /<b>bold<\/b>/, 'labels are escaped');
  assert.match(html, /&lt;b&gt;bold&lt;\/b&gt; &amp; co/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.equal((html.match(/<svg\b/g) ?? []).length, r.charts.length);
  assert.equal((html.match(/<details>/g) ?? []).length, 2);
  // The to-target table as a table: baseline row reached at round 2, the other 'never reached'.
  const doc = new DOMParser().parseFromString(html.replace(/^<!doctype html>/i, ''), 'text/html');
  const table = Array.from(doc.getElementsByTagName('table')).find((t) => t.getAttribute('class') === 'to-target')!;
  const rows = Array.from(table.getElementsByTagName('tbody')[0]!.getElementsByTagName('tr')).map((tr) => Array.from(tr.getElementsByTagName('td')).map((td) => td.textContent));
  assert.deepEqual(rows, [
    ['<b>bold</b> & co (baseline)', '2', '200', '80', '1.00×', '1.00×', '1.00×'],
    ['plain', 'never reached'],
  ]);
});
