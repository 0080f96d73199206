import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, type Dataset } from '@edgefl/core';
import { loadDataset, standardize, minmax, trainTestSplit, DataError } from '@edgefl/data';

function columnStats(ds: Dataset, j: number): { mean: number; sd: number; min: number; max: number } {
  let s = 0, s2 = 0, min = Infinity, max = -Infinity;
  for (let r = 0; r < ds.n; r++) {
    const v = ds.x[r * ds.features + j]!;
    s += v; s2 += v * v; min = Math.min(min, v); max = Math.max(max, v);
  }
  const mean = s / ds.n;
  return { mean, sd: Math.sqrt(s2 / ds.n - mean * mean), min, max };
}

test('stratified split keeps class proportions and replays with the seed', () => {
  const ds = loadDataset('iris');
  const a = trainTestSplit(ds, 0.2, new Rng(5));
  assert.deepEqual([a.train.n, a.test.n], [120, 30]);
  const perClass = [0, 0, 0];
  for (const c of a.test.y) perClass[c]!++;
  assert.deepEqual(perClass, [10, 10, 10]);
  const b = trainTestSplit(ds, 0.2, new Rng(5));
  assert.deepEqual(a.test.x, b.test.x);
  const c = trainTestSplit(ds, 0.2, new Rng(6));
  assert.notDeepEqual(a.test.x, c.test.x);
  assert.throws(() => trainTestSplit(ds, 1.2, new Rng(1)), DataError);
});

test('regression split shuffles all rows', () => {
  const ds = loadDataset('diabetes');
  const { train, test } = trainTestSplit(ds, 0.25, new Rng(1));
  assert.deepEqual([train.n, test.n], [331, 111]);
  assert.equal(train.classes, 0);
});

test('standardize fits on train only: train is zero-mean unit-variance, test uses the same map', () => {
  const ds = loadDataset('breast_cancer');
  const split = trainTestSplit(ds, 0.3, new Rng(2));
  const { train, test, scaler } = standardize(split.train, split.test);
  for (const j of [0, 7, 29]) {
    const s = columnStats(train, j);
    assert.ok(Math.abs(s.mean) < 1e-4, `mean ${s.mean}`);
    assert.ok(Math.abs(s.sd - 1) < 1e-3, `sd ${s.sd}`);
    const raw = split.test.x[j]!;
    assert.ok(Math.abs(test.x[j]! - (raw - scaler.shift[j]!) / scaler.scale[j]!) < 1e-5);
  }
  // the test set was not used: its own mean is not exactly 0
  assert.ok(Math.abs(columnStats(test, 0).mean) > 1e-3);
  // constant features (digits' first pixel is always 0) stay finite
  const d = standardize(loadDataset('digits'));
  assert.ok(d.train.x.every(Number.isFinite));
  assert.equal(d.test, undefined);
});

test('minmax maps training rows to [0, 1]', () => {
  const { train } = minmax(loadDataset('digits'));
  let lo = Infinity, hi = -Infinity;
  for (const v of train.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.deepEqual([lo, hi], [0, 1]);
  assert.deepEqual(columnStats(train, 20).max, 1);
});
