import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DedupeSet } from '@edgefl/transport';

test('a key is first-seen once; every field distinguishes keys', () => {
  const d = new DedupeSet(100);
  assert.equal(d.firstSeen('dev-1', 3, 0, 7), true);
  assert.equal(d.firstSeen('dev-1', 3, 0, 7), false);
  assert.equal(d.firstSeen('dev-2', 3, 0, 7), true);
  assert.equal(d.firstSeen('dev-1', 4, 0, 7), true);
  assert.equal(d.firstSeen('dev-1', 3, 1, 7), true);
  assert.equal(d.firstSeen('dev-1', 3, 0, 8), true);
  assert.equal(d.size, 5);
  assert.equal(d.has('dev-1', 3, 0, 7), true);
});

test('memory is bounded: the oldest keys are forgotten first', () => {
  const d = new DedupeSet(3);
  for (let s = 0; s < 10; s++) assert.equal(d.firstSeen('a', 1, 0, s), true);
  assert.equal(d.size, 3);
  assert.equal(d.has('a', 1, 0, 9), true);
  assert.equal(d.has('a', 1, 0, 7), true);
  assert.equal(d.has('a', 1, 0, 6), false);
  assert.equal(d.firstSeen('a', 1, 0, 9), false);
  assert.equal(d.firstSeen('a', 1, 0, 0), true);
});

test('capacity must be a positive integer', () => {
  assert.throws(() => new DedupeSet(0), RangeError);
  assert.throws(() => new DedupeSet(1.5), RangeError);
});
