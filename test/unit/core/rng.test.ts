import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';

test('same seed replays the same stream; different seeds differ', () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xs = Array.from({ length: 8 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 8 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 8 }, () => c.nextUint32()));
});

test('uniform next() has mean 1/2 and variance 1/12', () => {
  const r = new Rng(1);
  const n = 200_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) { const u = r.next(); assert.ok(u >= 0 && u < 1); s += u; s2 += u * u; }
  const mean = s / n, v = s2 / n - mean * mean;
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(v - 1 / 12) < 0.002, `variance ${v}`);
});

test('normal() has mean 0, variance 1; gamma(k) has mean k', () => {
  const r = new Rng(7);
  const n = 100_000;
  let s = 0, s2 = 0, g = 0;
  for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; g += r.gamma(0.5); }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
  assert.ok(Math.abs(g / n - 0.5) < 0.02, `gamma mean ${g / n}`);
});

test('state round-trips and forks are independent of later draws', () => {
  const r = new Rng('job-a');
  r.nextUint32();
  const copy = Rng.fromState(r.getState());
  assert.equal(copy.nextUint32(), r.nextUint32());
  const f1 = new Rng(5).fork('x').nextUint32();
  const f2 = new Rng(5).fork('x').nextUint32();
  const f3 = new Rng(5).fork('y').nextUint32();
  assert.equal(f1, f2);
  assert.notEqual(f1, f3);
});
