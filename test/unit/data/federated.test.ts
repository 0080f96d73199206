import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareFederatedData } from '@edgefl/data';

const spec = { dataset: 'digits', testFraction: 0.2, normalize: 'standard', partition: { kind: 'shards', shardsPerDevice: 2 } } as const;

test('a job\'s data follows from its seed: same seed, same split, scaling and shards', () => {
  const a = prepareFederatedData(spec, 8, 7);
  const b = prepareFederatedData(spec, 8, 7);
  const c = prepareFederatedData(spec, 8, 8);
  // stratified: Σ_c round(0.2 · n_c) = 359 of 1797 rows held out
  assert.deepEqual([a.train.n, a.test.n], [1438, 359]);
  assert.deepEqual(a.test.x, b.test.x);
  assert.deepEqual(a.shards.map((s) => s.x), b.shards.map((s) => s.x));
  assert.notDeepEqual(a.test.y, c.test.y);
  // shards partition the training split and keep the partitioner's promise
  assert.equal(a.shards.reduce((n, s) => n + s.n, 0), a.train.n);
  for (const s of a.shards) assert.ok(new Set(s.y).size <= 2);
  // standardised on the training rows: pixel 20's training mean is 0
  let m = 0;
  for (let r = 0; r < a.train.n; r++) m += a.train.x[r * 64 + 20]!;
  assert.ok(Math.abs(m / a.train.n) < 1e-4);
});
