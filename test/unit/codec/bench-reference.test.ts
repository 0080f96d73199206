import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeAgainstReference } from '@edgefl/codec';

test('timeAgainstReference: the measured function runs ≥ 3 times and ≥ minMs in all, in turns with a reference pass over the vector', () => {
  const v = Float32Array.from({ length: 5000 }, (_, i) => Math.cos(i));
  const calls: number[] = [];
  let busy = 0;
  const t = timeAgainstReference(v, () => {
    const a = performance.now();
    calls.push(a);
    for (let i = 0; i < v.length; i++) busy += v[i]!;
  }, 5);
  assert.ok(calls.length >= 4, `${calls.length} calls (one warm-up, then ≥ 3 timed)`);
  assert.ok(Number.isFinite(t.ms) && t.ms > 0, `${t.ms} ms`);
  assert.ok(Number.isFinite(t.refRate) && t.refRate > 0, `${t.refRate}`);
  assert.ok(Number.isFinite(busy));
});
