import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BitReader, BitWriter, CodecError, decodeEliasArray, decodeGolombArray, eliasLength, encodeEliasArray,
  encodeGolombArray, golombLength, golombParams, optimalGolombParameter, readElias, readGolomb, riceParams,
  writeElias, writeGolomb, type EliasKind,
} from '@edgefl/codec';

const kinds: EliasKind[] = ['gamma', 'delta', 'omega'];
const u32pos = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 0xffffffff }));

/** Closed-form lengths, written independently of the implementation. */
function closedForm(kind: EliasKind, n: number): number {
  const lg = Math.floor(Math.log2(n));
  if (kind === 'gamma') return 2 * lg + 1;
  if (kind === 'delta') return lg + 2 * Math.floor(Math.log2(lg + 1)) + 1;
  let bits = 1;
  for (let v = n; v > 1; v = Math.floor(Math.log2(v))) bits += Math.floor(Math.log2(v)) + 1;
  return bits;
}

test('known Elias codewords', () => {
  const code = (kind: EliasKind, n: number): string => {
    const w = new BitWriter();
    writeElias(w, kind, n);
    const bytes = w.finish();
    let s = '';
    for (let i = 0; i < w.bitLength; i++) s += (bytes[i >>> 3]! >>> (7 - (i & 7))) & 1;
    return s;
  };
  assert.equal(code('gamma', 1), '1');
  assert.equal(code('gamma', 5), '00101');
  assert.equal(code('delta', 1), '1');
  assert.equal(code('delta', 10), '00100010');
  assert.equal(code('omega', 1), '0');
  assert.equal(code('omega', 4), '101000');
  assert.equal(code('omega', 17), '10100100010');
});

test('Elias arrays round-trip with exact, closed-form lengths (random and extreme values)', () => {
  for (const kind of kinds) {
    fc.assert(
      fc.property(fc.array(u32pos, { maxLength: 100 }), (values) => {
        const { bytes, bits } = encodeEliasArray(values, kind);
        assert.equal(bits, values.reduce((s, v) => s + closedForm(kind, v), 0));
        assert.equal(bits, values.reduce((s, v) => s + eliasLength(kind, v), 0));
        assert.equal(bytes.length, Math.ceil(bits / 8));
        assert.deepEqual([...decodeEliasArray(bytes, values.length, kind, bits)], values);
      }),
      { numRuns: 150 },
    );
    for (const values of [[], [1], [0xffffffff], new Array(500).fill(7), [2 ** 31, 2 ** 31 - 1, 2 ** 16]]) {
      const { bytes, bits } = encodeEliasArray(values, kind);
      assert.deepEqual([...decodeEliasArray(bytes, values.length, kind, bits)], values, kind);
    }
  }
});

test('Elias rejects 0, negatives, non-integers and > 2^32-1 on encode', () => {
  const w = new BitWriter();
  for (const kind of kinds) for (const bad of [0, -3, 1.5, 2 ** 32]) assert.throws(() => writeElias(w, kind, bad), RangeError);
});

test('Elias decoders reject oversize prefixes and counts with CodecError', () => {
  // 40 zeros then ones: γ prefix longer than 31.
  const zeros = new Uint8Array(8).fill(0); zeros[5] = 0xff;
  assert.throws(() => readElias(new BitReader(zeros), 'gamma'), CodecError);
  assert.throws(() => readElias(new BitReader(new Uint8Array(16).fill(0xff)), 'omega'), CodecError);
  assert.throws(() => decodeEliasArray(new Uint8Array(2), 17, 'gamma'), CodecError);
});

test('Golomb/Rice round-trip with closed-form lengths for many M', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 0xffffffff })),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 50 }),
      (m, raw) => {
        // Keep unary parts modest: quotient ≤ 4096.
        const values = raw.map((v) => Math.min(v, m * 4096 + (m - 1), 0xffffffff));
        const { bytes, bits } = encodeGolombArray(values, m);
        const b = Math.ceil(Math.log2(m));
        const expected = values.reduce((s, v) => {
          const q = Math.floor(v / m), r = v % m;
          return s + q + 1 + (m === 1 ? 0 : r < 2 ** b - m ? b - 1 : b);
        }, 0);
        assert.equal(bits, expected);
        assert.equal(bits, values.reduce((s, v) => s + golombLength(v, golombParams(m)), 0));
        assert.deepEqual([...decodeGolombArray(bytes, values.length, m, bits)], values);
      },
    ),
    { numRuns: 300 },
  );
});

test('Rice(k) equals Golomb(2^k); M = 3 codewords; bounded unary on decode', () => {
  const w = new BitWriter();
  for (let v = 0; v < 6; v++) writeGolomb(w, v, golombParams(3));
  // q,r: 0→1 0, 1→1 10, 2→1 11, 3→01 0, 4→01 10, 5→01 11
  assert.equal(w.bitLength, 2 + 3 + 3 + 3 + 4 + 4);
  const r = new BitReader(w.finish(), w.bitLength);
  for (let v = 0; v < 6; v++) assert.equal(readGolomb(r, golombParams(3)), v);
  assert.deepEqual(riceParams(5), golombParams(32));
  assert.throws(() => readGolomb(new BitReader(new Uint8Array(1000)), golombParams(1), 100), CodecError);
  const big = new BitWriter(); writeGolomb(big, 500, golombParams(1));
  assert.throws(() => readGolomb(new BitReader(big.finish()), golombParams(1), 499), CodecError);
  assert.throws(() => golombParams(0), RangeError);
  assert.throws(() => writeGolomb(new BitWriter(), -1, golombParams(2)), RangeError);
});

test('optimalGolombParameter follows Gallager–van Voorhis and minimises expected length', () => {
  for (const p of [0.5, 0.3, 0.1, 0.05, 0.01, 0.001]) {
    const m = optimalGolombParameter(p);
    const expectedLen = (mm: number): number => {
      const gp = golombParams(mm);
      let e = 0;
      for (let g = 0, pr = p; g < 20000; g++, pr *= 1 - p) e += pr * golombLength(g, gp);
      return e;
    };
    const best = expectedLen(m);
    for (const other of [m - 1, m + 1, m + 2]) if (other >= 1) assert.ok(best <= expectedLen(other) + 1e-9, `p=${p} M=${m} vs ${other}`);
  }
  assert.equal(optimalGolombParameter(0.9), 1);
});
