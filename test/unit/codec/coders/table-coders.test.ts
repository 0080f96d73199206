import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import {
  BitReader, BitWriter, CodecError, decodeEliasArray, decodeGolombArray, decodeMalcomSymbols, encodeEliasArray,
  encodeGolombArray, encodeMalcomSymbols, golombParams, readElias, readGolomb, readGolombCodes, writeElias,
  writeGolomb, writeGolombCodes, type EliasKind,
} from '@edgefl/codec';

/**
 * The array coders decode short codes from lookup tables and keep the writer's accumulator
 * in locals (issue 3). Their output must equal the per-value coders' bit for bit, and their
 * checks must stay: budgets, truncation, seeking. Arrays here have ≥ 256 codes unless a test
 * says otherwise, so the table paths run (shorter ones skip the tables).
 */

const kinds: EliasKind[] = ['gamma', 'delta', 'omega'];

function perValueGolomb(values: number[], m: number): { bytes: Uint8Array; bits: number } {
  const w = new BitWriter();
  const p = golombParams(m);
  for (const v of values) writeGolomb(w, v, p);
  return { bytes: w.finish(), bits: w.bitLength };
}

function perValueElias(values: number[], kind: EliasKind): { bytes: Uint8Array; bits: number } {
  const w = new BitWriter();
  for (const v of values) writeElias(w, kind, v);
  return { bytes: w.finish(), bits: w.bitLength };
}

const golombM = fc.oneof(
  fc.integer({ min: 1, max: 70 }),
  fc.integer({ min: 0, max: 31 }).map((k) => 2 ** k),
  fc.integer({ min: 1, max: 0xffffffff }),
);

test('Golomb arrays equal the per-value writer and reader bit for bit, for any M', () => {
  fc.assert(
    fc.property(golombM, fc.integer({ min: 256, max: 1500 }), fc.integer(), fc.double({ min: 0.05, max: 40, noNaN: true }), (m, n, seed, scale) => {
      const rng = new Rng(seed);
      // Geometric values around scale·M (short codes, table hits) with a few large ones (misses).
      const values = Array.from({ length: n }, () => Math.min(0xffffffff, Math.floor(-Math.log(1 - rng.next()) * scale * Math.min(m, 2 ** 26))));
      for (let k = 0; k < 5; k++) values[rng.nextUint32() % n] = Math.min(0xffffffff, m * 40 + (rng.nextUint32() % m));
      const ref = perValueGolomb(values, m);
      const got = encodeGolombArray(values, m);
      assert.equal(got.bits, ref.bits);
      assert.deepEqual(got.bytes, ref.bytes);
      assert.deepEqual([...decodeGolombArray(got.bytes, n, m, got.bits)], values);
      const r = new BitReader(ref.bytes, ref.bits);
      const p = golombParams(m);
      for (const v of values) assert.equal(readGolomb(r, p), v);
    }),
    { numRuns: 120 },
  );
});

test('Elias arrays equal the per-value writer bit for bit (table values < 256 and larger ones)', () => {
  for (const kind of kinds) {
    fc.assert(
      fc.property(fc.integer({ min: 256, max: 1500 }), fc.integer(), fc.double({ min: 0.5, max: 300, noNaN: true }), (n, seed, scale) => {
        const rng = new Rng(seed);
        const values = Array.from({ length: n }, () => 1 + Math.floor(-Math.log(1 - rng.next()) * scale));
        for (let k = 0; k < 5; k++) values[rng.nextUint32() % n] = rng.nextUint32() || 1;
        const ref = perValueElias(values, kind);
        const got = encodeEliasArray(values, kind);
        assert.equal(got.bits, ref.bits);
        assert.deepEqual(got.bytes, ref.bytes);
        assert.deepEqual([...decodeEliasArray(got.bytes, n, kind, got.bits)], values);
      }),
      { numRuns: 60 },
    );
  }
});

test('writeGolombCodes / readGolombCodes at unaligned offsets, between raw bits, with and without tables', () => {
  const rng = new Rng('unaligned');
  for (const n of [10, 300, 5000]) {
    for (const m of [1, 3, 64, 1000, 2 ** 31 + 7]) {
      const values = new Uint32Array(n).map(() => Math.floor(-Math.log(1 - rng.next()) * 2 * Math.min(m, 2 ** 20)));
      const w = new BitWriter(4);
      w.writeBits(5, 3);
      writeGolombCodes(w, values, 0, n, golombParams(m));
      w.writeBits(0x1abc, 13);
      const bytes = w.finish();
      const r = new BitReader(bytes, w.bitLength);
      assert.equal(r.readBits(3), 5);
      const out = new Uint32Array(n + 2);
      const sum = values.reduce((s, v) => s + v, 0);
      readGolombCodes(r, golombParams(m), out, 1, n + 1, sum); // exactly the budget
      assert.deepEqual(out.subarray(1, n + 1), values);
      assert.equal(out[0], 0);
      assert.equal(out[n + 1], 0);
      assert.equal(r.readBits(13), 0x1abc, `M=${m} n=${n}: the reader stops right after the codes`);
      assert.equal(r.bitsRemaining, 0);
      if (sum > 0) {
        const short = new BitReader(bytes, w.bitLength);
        short.skipBits(3);
        assert.throws(() => readGolombCodes(short, golombParams(m), out, 0, n, sum - 1), CodecError, `M=${m} n=${n}: over budget`);
      }
    }
  }
});

test('array decoders raise CodecError on a stream cut anywhere (table path and checked path)', () => {
  const rng = new Rng('cut');
  const values = Array.from({ length: 2000 }, () => Math.floor(-Math.log(1 - rng.next()) * 6));
  const g = encodeGolombArray(values, 3);
  const e = encodeEliasArray(values.map((v) => v + 1), 'omega');
  for (const cut of [1, 2, 7, 8, 9, 23, 24, 25, 40, 200, Math.floor(g.bits / 2)]) {
    assert.throws(() => decodeGolombArray(g.bytes, values.length, 3, g.bits - cut), CodecError, `golomb cut ${cut}`);
    assert.throws(() => decodeEliasArray(e.bytes, values.length, 'omega', e.bits - cut), CodecError, `omega cut ${cut}`);
    // Same, with the bytes themselves truncated (no bit length given).
    const bytesCut = Math.ceil(cut / 8);
    assert.throws(() => decodeGolombArray(g.bytes.subarray(0, g.bytes.length - bytesCut), values.length, 3), CodecError);
  }
});

test('BitReader.seek moves within the bit length only', () => {
  const r = new BitReader(new Uint8Array([0b10110000, 0xff]), 12);
  r.seek(2);
  assert.equal(r.readBits(2), 0b11);
  r.seek(12);
  assert.equal(r.bitsRemaining, 0);
  assert.throws(() => r.seek(13), CodecError);
  assert.throws(() => r.seek(-1), RangeError);
  assert.throws(() => r.seek(1.5), RangeError);
});

test('MALCOM decoder rebuild: runs of ≤ 8, 9–63 and ≥ 64 symbols, up to the last position, byte and 16-bit symbols', () => {
  const rng = new Rng('merge');
  for (const n of [17, 200, 5000]) {
    for (const alphabet of [4, 300]) {
      const s = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        // Level 1 dense (short runs), level 2 every 20th (medium runs), level 3 every 70th
        // (long runs), and the last positions hit levels, so copies end at the array end.
        s[i] = i % 70 === 69 ? 3 : i % 20 === 19 ? 2 : rng.next() < 0.4 ? 1 : 0;
      }
      s[n - 1] = 2;
      s[n - 2] = 3;
      const symbols = alphabet <= 256 ? Uint8Array.from(s) : s;
      const c = encodeMalcomSymbols(symbols, alphabet);
      assert.deepEqual([...decodeMalcomSymbols(c.bytes, n, alphabet, c.bits)], [...s], `n=${n} alphabet=${alphabet}`);
    }
  }
});

test('Elias readElias after a table-decoded array continues at the right bit', () => {
  for (const kind of kinds) {
    const values = Array.from({ length: 400 }, (_, i) => 1 + (i % 50));
    const w = new BitWriter();
    for (const v of values) writeElias(w, kind, v);
    writeElias(w, kind, 123456789);
    const bytes = w.finish();
    const decoded = decodeEliasArray(bytes, values.length + 1, kind, w.bitLength);
    assert.equal(decoded[values.length], 123456789);
    assert.deepEqual([...decoded.subarray(0, values.length)], values);
    const r = new BitReader(bytes, w.bitLength);
    for (const v of values) assert.equal(readElias(r, kind), v);
  }
});
