import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { loadDataset, iid, shards, dirichlet, partition, partitionStats, DataError, type PartitionSpec } from '@edgefl/data';

const digits = loadDataset('digits');

/** Every row appears in exactly one part. */
function assertCover(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const p of parts) for (const i of p) { assert.ok(i >= 0 && i < n); seen[i]!++; }
  assert.ok(seen.every((c) => c === 1), 'each row exactly once');
}

test('iid covers every row once in near-equal parts with near-global label mix', () => {
  const parts = iid(digits.n, 8, new Rng(1));
  assertCover(parts, digits.n);
  const s = partitionStats(parts, digits.y, 10);
  assert.ok(Math.max(...s.rows) - Math.min(...s.rows) <= 1);
  assert.deepEqual(s.classesPerDevice, new Array<number>(8).fill(10));
  assert.ok(s.labelSkew < 0.12, `skew ${s.labelSkew}`);
});

test('shards: every row once, at most 2 classes per device on digits', () => {
  for (const devices of [5, 8, 10, 20, 50]) {
    const parts = shards(digits.y, devices, new Rng(devices));
    assertCover(parts, digits.n);
    const s = partitionStats(parts, digits.y, 10);
    assert.ok(s.classesPerDevice.every((c) => c >= 1 && c <= 2), `${devices}: ${s.classesPerDevice}`);
    assert.ok(s.labelSkew > 0.75, `${devices}: skew ${s.labelSkew}`);
  }
  // shardsPerDevice bounds the classes per device
  const three = partitionStats(shards(digits.y, 6, new Rng(3), 3), digits.y, 10);
  assert.ok(three.classesPerDevice.every((c) => c <= 3));
  // fewer shards than classes falls back to cutting the sorted order, still covering
  const few = shards(digits.y, 2, new Rng(4), 2);
  assertCover(few, digits.n);
});

test('dirichlet: small α is skewed, large α near-uniform, no device empty', () => {
  const skews: Record<string, number> = {};
  for (const alpha of [0.1, 1, 100]) {
    let sum = 0;
    for (let seed = 0; seed < 5; seed++) {
      const parts = dirichlet(digits.y, 10, alpha, new Rng(seed));
      assertCover(parts, digits.n);
      assert.ok(parts.every((p) => p.length > 0));
      sum += partitionStats(parts, digits.y, 10).labelSkew;
    }
    skews[alpha] = sum / 5;
  }
  // measured (mean TV distance to the global label mix): α=0.1 ≈ 0.6, α=1 ≈ 0.3, α=100 ≈ 0.04
  assert.ok(skews[0.1]! > 0.5, JSON.stringify(skews));
  assert.ok(skews[1]! > 0.2 && skews[1]! < 0.45, JSON.stringify(skews));
  assert.ok(skews[100]! < 0.08, JSON.stringify(skews));
});

test('dirichlet never leaves a device empty, even with tiny α and many devices', () => {
  const labels = new Float32Array(40).map((_, i) => i % 2);
  for (let seed = 0; seed < 20; seed++) {
    const parts = dirichlet(labels, 40, 0.01, new Rng(seed));
    assertCover(parts, 40);
    assert.ok(parts.every((p) => p.length === 1));
  }
});

test('same seed replays the same partition; another seed differs', () => {
  const specs: PartitionSpec[] = [{ kind: 'iid' }, { kind: 'shards', shardsPerDevice: 2 }, { kind: 'dirichlet', alpha: 0.5 }];
  for (const spec of specs) {
    const a = partition(spec, digits.y, 8, new Rng(42));
    const b = partition(spec, digits.y, 8, new Rng(42));
    const c = partition(spec, digits.y, 8, new Rng(43));
    assert.deepEqual(a, b, spec.kind);
    assert.notDeepEqual(a, c, spec.kind);
  }
});

test('partitions cover every row exactly once for arbitrary labels and device counts', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 300 }),
    fc.integer({ min: 1, max: 30 }),
    fc.integer(),
    fc.constantFrom<PartitionSpec>({ kind: 'iid' }, { kind: 'shards' }, { kind: 'shards', shardsPerDevice: 3 }, { kind: 'dirichlet', alpha: 0.3 }),
    (labels, devices, seed, spec) => {
      fc.pre(devices <= labels.length);
      const parts = partition(spec, Float32Array.from(labels), devices, new Rng(seed));
      assert.equal(parts.length, devices);
      assertCover(parts, labels.length);
      assert.ok(parts.every((p) => p.length > 0));
    },
  ), { numRuns: 300 });
});

test('impossible partitions are DataErrors', () => {
  assert.throws(() => iid(3, 4, new Rng(1)), (e: unknown) => e instanceof DataError && e.message === 'cannot give 4 devices at least one row each from 3 rows');
  assert.throws(() => dirichlet(digits.y, 4, 0, new Rng(1)), DataError);
  assert.throws(() => shards(new Float32Array([0.5, 1]), 1, new Rng(1)), (e: unknown) => e instanceof DataError && /use the iid partition/.test(e.hint ?? ''));
});
