import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_IDS } from '@edgefl/report';

// docs/figures/figures.json drives `npm run figures`; an entry another change adds must name
// an experiment file that exists and charts the report can draw.
const root = join(import.meta.dirname, '../../..');
interface Figure { id: string; runs: { id: string; sim: string[]; label?: string }[]; report?: string[]; charts: string[] }
const list = JSON.parse(readFileSync(join(root, 'docs/figures/figures.json'), 'utf8')) as { figures: Figure[] };

test('every figure in docs/figures/figures.json names existing experiments, distinct run ids and drawable charts, and its SVGs are committed', () => {
  assert.ok(list.figures.length >= 1);
  const ids = new Set<string>();
  for (const f of list.figures) {
    assert.match(f.id, /^[a-z0-9][a-z0-9-]*$/);
    assert.ok(!ids.has(f.id), `duplicate figure ${f.id}`);
    ids.add(f.id);
    assert.ok(f.runs.length >= 1, f.id);
    assert.equal(new Set(f.runs.map((r) => r.id)).size, f.runs.length, `${f.id}: run ids must differ`);
    for (const r of f.runs) {
      assert.ok(existsSync(join(root, r.sim[0]!)), `${f.id}/${r.id}: ${r.sim[0]} exists`);
      assert.ok(!r.sim.includes('--json') && !r.sim.includes('--out'), `${f.id}/${r.id}: the script adds --json`);
    }
    for (const c of f.charts) {
      assert.ok((CHART_IDS as readonly string[]).includes(c), `${f.id}: unknown chart ${c} (known: ${CHART_IDS.join(', ')})`);
      assert.ok(existsSync(join(root, 'docs/figures', f.id, `${c}.svg`)), `${f.id}/${c}.svg: run npm run figures -- ${f.id}`);
    }
  }
});
