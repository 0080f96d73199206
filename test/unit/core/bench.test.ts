import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshSumOfSquares, referenceRate, sumOfSquares } from '@edgefl/core';

test('the codec reference is a freshly compiled plain pass each time, computing the same sum', () => {
  const v = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i) * 3);
  const a = freshSumOfSquares();
  const b = freshSumOfSquares();
  // Distinct source texts: V8's compilation cache cannot hand back one shared function (and its type feedback).
  assert.notEqual(a, b);
  assert.notEqual(a.toString(), b.toString());
  assert.equal(a(v), sumOfSquares(v));
  assert.equal(b(v), sumOfSquares(v));
  assert.equal(a(new Float32Array(0)), 0);
  const rate = referenceRate(v, 1);
  assert.ok(Number.isFinite(rate) && rate > 0);
});
