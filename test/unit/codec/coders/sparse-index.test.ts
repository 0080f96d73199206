import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import {
  BitReader, BitWriter, CodecError, decodeSparseIndex, eliasOmegaLength, encodeSparseIndex, golombLength, golombParams,
  optimalGolombParameter, readSparseIndex, sparseIndexBits, writeSparseIndex,
} from '@edgefl/codec';

const sortedSet = fc.integer({ min: 1, max: 2000 }).chain((d) =>
  fc.tuple(fc.constant(d), fc.uniqueArray(fc.integer({ min: 0, max: d - 1 }), { maxLength: d }).map((xs) => xs.sort((a, b) => a - b))));

function randomSupport(rng: Rng, d: number, k: number): number[] {
  const idx = rng.shuffle(Array.from({ length: d }, (_, i) => i)).slice(0, k);
  return idx.sort((a, b) => a - b);
}

test('round-trips any sorted set; bits = 1 + min(d, gap form) and match the body', () => {
  fc.assert(
    fc.property(sortedSet, ([d, pos]) => {
      const { bytes, bits } = encodeSparseIndex(pos, d);
      assert.equal(bits, sparseIndexBits(pos, d));
      assert.equal(bytes.length, Math.ceil(bits / 8));
      assert.deepEqual(Array.from(decodeSparseIndex(bytes, d, bits)), pos);
    }),
    { numRuns: 300 },
  );
});

test('gap form cost is ω(k+1) + Golomb(M*) gaps; the coder picks the cheaper form', () => {
  const rng = new Rng(11);
  const d = 100_000;
  for (const k of [0, 1, 10, 1000, 20_000, 35_000, 60_000, 100_000]) {
    const pos = randomSupport(rng, d, k);
    const p = golombParams(optimalGolombParameter(k / d));
    let gaps = eliasOmegaLength(k + 1);
    for (let i = 0, prev = -1; i < k; prev = pos[i]!, i++) gaps += golombLength(pos[i]! - prev - 1, p);
    const bits = sparseIndexBits(pos, d);
    assert.equal(bits, 1 + Math.min(d, gaps), `k=${k}`);
    assert.deepEqual(Array.from(decodeSparseIndex(encodeSparseIndex(pos, d).bytes, d)), pos);
    // Near the entropy of a random k-subset: log2 C(d,k) ≈ d·h(k/d).
    const f = k / d;
    const h = f === 0 || f === 1 ? 0 : -(f * Math.log2(f) + (1 - f) * Math.log2(1 - f));
    if (bits < d + 1) assert.ok(bits <= d * h * 1.06 + 64, `k=${k}: ${bits} bits vs d·h = ${d * h}`);
    else assert.ok(f > 0.25, `bitmap chosen at density ${f}`);
  }
});

test('extremes: empty set, full set, first and last positions, d = 1', () => {
  for (const [d, pos] of [[1, []], [1, [0]], [5000, []], [5000, [4999]], [5000, [0]], [64, Array.from({ length: 64 }, (_, i) => i)]] as const) {
    const { bytes, bits } = encodeSparseIndex(pos, d);
    assert.deepEqual(Array.from(decodeSparseIndex(bytes, d, bits)), pos);
  }
  assert.equal(sparseIndexBits([], 5000), 2);
});

test('appends inside a larger message', () => {
  const w = new BitWriter();
  w.writeBits(3, 2);
  writeSparseIndex(w, [1, 5, 90], 100);
  w.writeBits(1, 1);
  const r = new BitReader(w.finish(), w.bitLength);
  assert.equal(r.readBits(2), 3);
  assert.deepEqual(Array.from(readSparseIndex(r, 100)), [1, 5, 90]);
  assert.equal(r.readBit(), 1);
});

test('rejects unsorted / duplicate / out-of-range positions on encode; hostile bodies on decode', () => {
  assert.throws(() => encodeSparseIndex([3, 2], 10), RangeError);
  assert.throws(() => encodeSparseIndex([2, 2], 10), RangeError);
  assert.throws(() => encodeSparseIndex([10], 10), RangeError);
  // Gap form claiming more positions than the dimension (ω code of 2^16 + 1 and beyond).
  assert.throws(() => decodeSparseIndex(Uint8Array.from([0xff, 0xff, 0xff]), 100), CodecError);
  const { bytes } = encodeSparseIndex([1, 2, 3], 1000);
  assert.throws(() => decodeSparseIndex(bytes, 2), CodecError);
  assert.throws(() => decodeSparseIndex(new Uint8Array(2), 1000), CodecError);
});
