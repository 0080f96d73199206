import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import {
  CodecError, decodeMalcomSymbols, encodeMalcomSymbols, malcomBitBound, malcomGolombParameter, malcomLevelOrder,
  malcomScanBitBound, malcomTypeVectorBits, golombLength, golombParams, symbolCounts,
} from '@edgefl/codec';
import { countsOf, entropyBits, laplaceVector, malcomSymbols } from './symbol-sources.js';
import { measureEq13 } from '../../../bench/malcom-eq13.bench.js';

function roundTrip(symbols: Uint8Array | Uint16Array, alphabet: number): number {
  const { bytes, bits } = encodeMalcomSymbols(symbols, alphabet);
  assert.equal(bytes.length, Math.ceil(bits / 8));
  const back = decodeMalcomSymbols(bytes, symbols.length, alphabet, bits);
  assert.deepEqual(Array.from(back), Array.from(symbols));
  return bits;
}

test('round-trips random symbols for any alphabet', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }).chain((a) => fc.tuple(fc.constant(a), fc.array(fc.integer({ min: 0, max: a - 1 }), { maxLength: 400 }))), ([a, xs]) => {
      roundTrip(Uint8Array.from(xs), a);
    }),
    { numRuns: 300 },
  );
});

test('constant, empty, single-element and alphabet-edge inputs', () => {
  for (const a of [1, 2, 10, 256]) {
    assert.equal(roundTrip(new Uint8Array(0), a), malcomTypeVectorBits(new Array(a).fill(0)));
    roundTrip(new Uint8Array([a - 1]), a);
    // Constant input: only the type vector is sent.
    const c = new Uint8Array(5000).fill(a - 1);
    assert.equal(roundTrip(c, a), malcomTypeVectorBits(countsOf(c, a)));
  }
  const wide = new Uint16Array(3000);
  for (let i = 0; i < wide.length; i++) wide[i] = (i * 7919) % 65536;
  wide[0] = 65535;
  roundTrip(wide, 65536);
});

/** Algorithm 3 one level at a time, as the paper states it: the type vector, then each level's runs among the positions left. */
function referenceBits(sym: Uint8Array | Uint16Array, a: number): number {
  const counts = countsOf(sym, a);
  const order = malcomLevelOrder(counts);
  let expected = malcomTypeVectorBits(counts);
  let rest = Array.from(sym);
  for (let k = 1; k < a; k++) {
    const lvl = order[k]!, t = counts[lvl]!;
    if (t === 0) break;
    const p = golombParams(malcomGolombParameter(rest.length - t, t));
    let run = 0;
    for (const s of rest) { if (s === lvl) { expected += golombLength(run, p); run = 0; } else run++; }
    rest = rest.filter((s) => s !== lvl);
  }
  return expected;
}

test('bits equal the type vector plus the closed-form Golomb lengths of every run', () => {
  const rng = new Rng(5);
  const a = 6, n = 3000;
  const sym = new Uint8Array(n);
  for (let i = 0; i < n; i++) sym[i] = Math.min(a - 1, Math.floor(-Math.log(1 - rng.next()) * 1.3));
  assert.equal(roundTrip(sym, a), referenceBits(sym, a));
});

test('wide alphabet with hundreds of rare levels (one joint scan): the same bits as one scan per level', () => {
  const rng = new Rng(11);
  const a = 1024, n = 20000;
  const sym = new Uint16Array(n);
  for (let i = 0; i < n; i++) sym[i] = Math.min(a - 1, Math.floor(-Math.log(1 - rng.next()) * 60));
  const levels = countsOf(sym, a).filter((c) => c > 0 && c * 16 < n).length;
  assert.ok(levels > 300, `only ${levels} rare levels`);
  assert.equal(roundTrip(sym, a), referenceBits(sym, a));
});

test('one hit per level over a long scan (the decoder places rare levels directly): exact round trip', () => {
  // 65,535 levels with one or two hits each after two dense levels: merging each level
  // would copy the whole scan 65,535 times; the direct placement must give the same symbols.
  const rng = new Rng(13);
  const a = 65536, n = 300000;
  const sym = new Uint16Array(n);
  for (let i = 0; i < n; i++) sym[i] = rng.next() < 0.5 ? 1 : rng.next() < 0.5 ? 2 : 0;
  for (let l = 3; l < a; l++) sym[Math.floor(rng.next() * n)] = l;
  for (let l = 3; l < a; l += 7) sym[Math.floor(rng.next() * n)] = l;
  roundTrip(sym, a);
  // a single rare level at either end of the scan
  const ends = new Uint16Array(5000).fill(4);
  ends[0] = 1; ends[4999] = 2; ends[2500] = 3;
  roundTrip(ends, a);
});

test('M_l = round(ln2 · non-l positions left / t_l), at least 1', () => {
  assert.equal(malcomGolombParameter(1000, 10), Math.round(Math.LN2 * 100));
  assert.equal(malcomGolombParameter(0, 5), 1);
  assert.deepEqual(Array.from(malcomLevelOrder([3, 9, 9, 0, 1])), [1, 2, 0, 4, 3]);
});

test('Laplace input, L = 8 dithered min–max: within the scan-size eq. 13 bound, within 8 % of n·H', () => {
  for (const [d, zeros] of [[10_000, 0], [10_000, 0.3], [100_000, 0.9], [200_000, 0], [200_000, 0.5]] as const) {
    const rng = new Rng(`malcom-${d}-${zeros}`);
    const sym = malcomSymbols(rng, laplaceVector(rng, d, 1, zeros), 8);
    const counts = countsOf(sym, 10);
    const bits = roundTrip(sym, 10);
    const header = malcomTypeVectorBits(counts);
    const bound = malcomScanBitBound(counts);
    assert.ok(bits - header <= bound, `d=${d} zeros=${zeros}: ${bits - header} > bound ${bound}`);
    const nH = d * entropyBits(counts);
    assert.ok(bits <= 1.08 * nH, `d=${d} zeros=${zeros}: ${bits} bits vs n·H ${nH}`);
    assert.ok(bits >= nH - 10 * Math.log2(d), 'no lossless code beats the empirical entropy by more than the type count');
  }
});

test('eq. 13 as printed: met on sparse-ish input, but below n·H on dense input (paper caveat)', () => {
  const rng = new Rng('eq13');
  const sparse = malcomSymbols(rng, laplaceVector(rng, 10_000, 1, 0.3), 8);
  const cs = countsOf(sparse, 10);
  assert.ok(roundTrip(sparse, 10) - malcomTypeVectorBits(cs) <= malcomBitBound(cs));
  // Dense Laplace: the printed formula is below the entropy, unreachable for any lossless code.
  const dense = malcomSymbols(rng, laplaceVector(rng, 100_000, 1, 0), 8);
  const cd = countsOf(dense, 10);
  assert.ok(malcomBitBound(cd) < 100_000 * entropyBits(cd));
  assert.ok(malcomScanBitBound(cd) >= 100_000 * entropyBits(cd));
});

test('docs/codecs/malcom.md eq. 13 table: the coder is within 1.04 × n·H(f) and its scan-size bound; eq. 13 as printed is below n·H in 6 of 8 cases', () => {
  const cases = measureEq13();
  assert.equal(cases.length, 8);
  for (const c of cases) {
    const label = `d=${c.d} zeros=${c.zeros}`;
    assert.ok(c.bits <= 1.04 * c.entropyBits, `${label}: ${c.bits} vs n·H ${c.entropyBits}`);
    assert.ok(c.bits >= c.entropyBits - 10 * Math.log2(c.d), label);
    assert.ok(c.bits <= c.scanBound, `${label}: ${c.bits} > ${c.scanBound}`);
  }
  const below = cases.filter((c) => c.eq13 < c.entropyBits);
  assert.equal(below.length, 6, below.map((c) => `${c.d}/${c.zeros}`).join(' '));
  // 90 % zeros: the printed bound is ~0.58 × the entropy, which no lossless code reaches
  assert.ok(below.some((c) => c.zeros === 0.9 && c.eq13 < 0.6 * c.entropyBits));
});

test('decoder rejects type vectors that overflow the count and runs past the end', () => {
  const { bytes, bits } = encodeMalcomSymbols(Uint8Array.from([0, 1, 2, 1, 0, 0, 2]), 3);
  assert.throws(() => decodeMalcomSymbols(bytes, 3, 3, bits), CodecError);
  assert.throws(() => decodeMalcomSymbols(bytes.subarray(0, 1), 7, 3), CodecError);
  assert.throws(() => decodeMalcomSymbols(bytes, 7.5, 3), CodecError);
  assert.throws(() => encodeMalcomSymbols(Uint8Array.from([3]), 3), RangeError);
});

test('symbolCounts counts every symbol and rejects out-of-alphabet or non-integer symbols', () => {
  assert.deepEqual(Array.from(symbolCounts(Uint8Array.of(0, 2, 2, 1, 2, 0, 2), 4)), [2, 1, 4, 0]);
  assert.deepEqual(Array.from(symbolCounts([3, 3, 3, 3, 3], 4)), [0, 0, 0, 5]);
  assert.throws(() => symbolCounts(Uint16Array.of(1, 2, 3, 4, 5, 9), 6), RangeError);
  assert.throws(() => symbolCounts([1, 1.5], 4), RangeError);
  assert.throws(() => symbolCounts([-1], 4), RangeError);
  // Long inputs take the four-histogram path: same counts, same validation.
  const long = Uint8Array.from({ length: 1001 }, (_, i) => (i * i) % 5);
  const expected = [0, 0, 0, 0, 0];
  for (const s of long) expected[s]!++;
  assert.deepEqual(Array.from(symbolCounts(long, 5)), expected);
  long[999] = 5;
  assert.throws(() => symbolCounts(long, 5), RangeError);
});
