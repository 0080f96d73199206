import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { CodecError, decodeRans, encodeRans, quantizeFrequencies, ransScaleBits } from '@edgefl/codec';
import { countsOf, entropyBits, laplaceVector, malcomSymbols } from './symbol-sources.js';

function roundTrip(sym: Uint8Array | Uint16Array, alphabet: number): ReturnType<typeof encodeRans> {
  const e = encodeRans(sym, alphabet);
  assert.equal(e.bits, e.bytes.length * 8, 'rANS bodies are whole bytes');
  assert.ok(e.tableBits <= e.bits);
  assert.deepEqual(Array.from(decodeRans(e.bytes, sym.length, alphabet)), Array.from(sym));
  return e;
}

test('round-trips random symbols over random alphabets', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }).chain((a) => fc.tuple(fc.constant(a), fc.array(fc.integer({ min: 0, max: a - 1 }), { maxLength: 500 }))), ([a, xs]) => {
      roundTrip(a <= 256 ? Uint8Array.from(xs) : Uint16Array.from(xs), a);
    }),
    { numRuns: 300 },
  );
});

test('empty, single, constant and alphabet-edge inputs', () => {
  assert.equal(roundTrip(new Uint8Array(0), 5).bits, 0);
  roundTrip(Uint8Array.of(4), 5);
  const constant = roundTrip(new Uint16Array(100_000).fill(65535), 65536);
  assert.ok(constant.bits < 128, `constant input costs only its table: ${constant.bits} bits`);
  const all = new Uint16Array(70_000);
  for (let i = 0; i < all.length; i++) all[i] = i % 65536; // every symbol of the largest alphabet present
  roundTrip(all, 65536);
  roundTrip(Uint8Array.of(0, 255, 0, 255), 256);
});

test('frequencies sum to 2^scale with every present symbol ≥ 1', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1e6 })), { minLength: 1, maxLength: 300 }), fc.integer({ min: 9, max: 16 }), (counts, scale) => {
      fc.pre(counts.some((c) => c > 0));
      const f = quantizeFrequencies(counts, scale);
      assert.equal(f.reduce((a, b) => a + b, 0), 2 ** scale);
      counts.forEach((c, i) => assert.ok(c > 0 ? f[i]! >= 1 : f[i] === 0));
    }),
  );
  assert.equal(ransScaleBits(10_000), 14);
  assert.equal(ransScaleBits(1e6), 16);
});

test('within 2 % of the empirical entropy n·H plus the table, n ≥ 10^4', () => {
  const cases: Array<[string, Uint8Array | Uint16Array, number]> = [];
  const rng = new Rng('rans-entropy');
  const geo = new Uint8Array(10_000);
  for (let i = 0; i < geo.length; i++) geo[i] = Math.min(15, Math.floor(-Math.log(1 - rng.next()) / 0.7));
  cases.push(['geometric, 16 symbols, n=1e4', geo, 16]);
  cases.push(['MALCOM L=8 Laplace, n=1e5', malcomSymbols(rng, laplaceVector(rng, 100_000, 1, 0.3), 8), 10]);
  const uni = new Uint8Array(50_000);
  for (let i = 0; i < uni.length; i++) uni[i] = rng.int(256);
  cases.push(['uniform bytes, n=5e4', uni, 256]);
  const wide = new Uint16Array(200_000);
  for (let i = 0; i < wide.length; i++) wide[i] = Math.min(65535, Math.floor(-Math.log(1 - rng.next()) * 300));
  cases.push(['geometric, wide alphabet, n=2e5', wide, 65536]);
  const skewed = new Uint8Array(20_000);
  for (let i = 0; i < skewed.length; i++) skewed[i] = rng.next() < 0.9 ? 0 : 1 + rng.int(3);
  cases.push(['skewed (H≈0.6), n=2e4', skewed, 4]);
  for (const [name, sym, a] of cases) {
    const e = roundTrip(sym, a);
    const nH = sym.length * entropyBits(countsOf(sym, a));
    assert.ok(e.bits <= 1.02 * nH + e.tableBits, `${name}: ${e.bits} bits > 1.02·${nH.toFixed(0)} + table ${e.tableBits}`);
  }
});

test('decoder rejects corrupted tables, truncation and trailing bytes with CodecError', () => {
  const sym = Uint8Array.from({ length: 2000 }, (_, i) => (i * 31) % 7);
  const { bytes } = encodeRans(sym, 7);
  assert.throws(() => decodeRans(bytes.subarray(0, bytes.length - 1), sym.length, 7), CodecError);
  assert.throws(() => decodeRans(Uint8Array.of(...bytes, 0), sym.length, 7), CodecError);
  assert.throws(() => decodeRans(bytes, sym.length + 1, 7), CodecError);
  assert.throws(() => decodeRans(bytes, sym.length, 3), CodecError);
  assert.throws(() => decodeRans(new Uint8Array(3), 0, 7), CodecError);
  assert.throws(() => encodeRans(Uint8Array.of(7), 7), RangeError);
});
