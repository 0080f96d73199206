import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import {
  BitReader, CodecError, decodeEliasArray, decodeGolombArray, decodeMalcomSymbols, decodeRans, decodeSparseIndex, encodeEliasArray,
  encodeGolombArray, encodeMalcomSymbols, encodeRans, encodeSparseIndex, packFixed, readFixed, unpackFixed, type EliasKind,
} from '@edgefl/codec';
import { FuzzFailure, fuzzDecoder, type FuzzReport } from './fuzz-harness.js';

/**
 * 10,000 inputs per decoder in CI. Longer run (documented in docs/codecs/coders.md):
 *   EDGEFL_FUZZ_ITERATIONS=1000000 EDGEFL_FUZZ_SEED=7 node scripts/run-tests.mjs test/unit/codec/fuzz-coders.test.ts --test-timeout=0
 */
const ITERATIONS = Math.max(10_000, Number(process.env.EDGEFL_FUZZ_ITERATIONS ?? 0) || 0);
const SEED = process.env.EDGEFL_FUZZ_SEED ?? '';
const rng = new Rng('fuzz-corpus');

function symbols(n: number, alphabet: number, skew: number): Uint16Array {
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(alphabet - 1, Math.floor(-Math.log(1 - rng.next()) * skew));
  return out;
}

/** Each result must hold exactly the declared count of in-range values. */
function inRange(count: number, max: number) {
  return (out: ArrayLike<number>): void => {
    assert.equal(out.length, count);
    for (let i = 0; i < out.length; i++) assert.ok(out[i]! <= max, `value ${out[i]} > ${max}`);
  };
}

function expectBothOutcomes(r: FuzzReport): void {
  assert.equal(r.runs, ITERATIONS);
  assert.ok(r.rejected > 0, `${r.name}: no input was rejected`);
  assert.equal(r.decoded + r.rejected, r.runs);
}

test('fixed-width unpack / readFixed', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  for (const width of [1, 3, 8, 13, 16]) {
    const n = 97;
    const corpus = [packFixed(symbols(n, 2 ** width, 2 ** (width - 1)), width)];
    const r = fuzzDecoder({ name: `unpackFixed w=${width}`, seed: `${SEED}w${width}`, corpus, iterations: ITERATIONS, decode: (b) => unpackFixed(b, n, width), check: inRange(n, 2 ** width - 1) });
    expectBothOutcomes(r);
    const r2 = fuzzDecoder({
      name: `readFixed w=${width}`, seed: `${SEED}r${width}`, corpus, iterations: ITERATIONS,
      decode: (b) => { const rd = new BitReader(b); rd.skipBits(Math.min(3, rd.bitsRemaining)); return readFixed(rd, n - 1, width, new Uint32Array(n - 1)); },
      check: inRange(n - 1, 2 ** width - 1),
    });
    expectBothOutcomes(r2);
  }
});

test('Elias γ/δ/ω arrays', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  for (const kind of ['gamma', 'delta', 'omega'] as EliasKind[]) {
    const n = 40;
    const corpus = [0, 1, 2].map((k) => encodeEliasArray(Array.from(symbols(n, 60000, 10 ** k), (v) => v + 1), kind).bytes);
    expectBothOutcomes(fuzzDecoder({ name: `elias-${kind}`, seed: `${SEED}${kind}`, corpus, iterations: ITERATIONS, decode: (b) => decodeEliasArray(b, n, kind), check: inRange(n, 0xffffffff) }));
  }
});

test('Golomb arrays', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  for (const m of [1, 3, 64, 1000]) {
    const n = 40;
    const corpus = [encodeGolombArray(symbols(n, 65536, m * 2), m).bytes, encodeGolombArray(new Uint16Array(n), m).bytes];
    expectBothOutcomes(fuzzDecoder({ name: `golomb M=${m}`, seed: `${SEED}golomb${m}`, corpus, iterations: ITERATIONS, decode: (b) => decodeGolombArray(b, n, m), check: inRange(n, 0xffffffff) }));
  }
});

test('MALCOM coder', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  for (const [n, alphabet] of [[500, 10], [64, 3], [300, 300]] as const) {
    const corpus = [1, 3].map((skew) => {
      const s = symbols(n, alphabet, skew);
      return encodeMalcomSymbols(alphabet <= 256 ? Uint8Array.from(s) : s, alphabet).bytes;
    });
    expectBothOutcomes(fuzzDecoder({
      name: `malcom n=${n} A=${alphabet}`, seed: `${SEED}malcom${n}`, corpus, iterations: ITERATIONS,
      decode: (b) => decodeMalcomSymbols(b, n, alphabet), check: inRange(n, alphabet - 1),
      maxAllocatedBytes: 8 * n + 16 * alphabet + 65_536,
    }));
  }
  // Many rare levels (one or two hits each) over a long scan: decoded by direct placement.
  const n = 3000, alphabet = 4096;
  const corpus = [0.3, 0.6].map((density) => {
    const s = new Uint16Array(n);
    for (let i = 0; i < n; i++) if (rng.next() < density) s[i] = 1 + Math.floor(rng.next() * (alphabet - 1));
    return encodeMalcomSymbols(s, alphabet).bytes;
  });
  expectBothOutcomes(fuzzDecoder({
    name: `malcom n=${n} A=${alphabet} (rare levels placed)`, seed: `${SEED}malcom-rare`, corpus, iterations: ITERATIONS,
    decode: (b) => decodeMalcomSymbols(b, n, alphabet), check: inRange(n, alphabet - 1),
    maxAllocatedBytes: 12 * n + 16 * alphabet + 65_536,
  }));
});

test('sparse index', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  const d = 2000;
  const corpus = [3, 100, 900, 1500].map((k) => {
    const pos = rng.shuffle(Array.from({ length: d }, (_, i) => i)).slice(0, k).sort((a, b) => a - b);
    return encodeSparseIndex(pos, d).bytes;
  });
  expectBothOutcomes(fuzzDecoder({
    name: 'sparse-index', seed: `${SEED}sparse`, corpus, iterations: ITERATIONS,
    decode: (b) => decodeSparseIndex(b, d),
    maxAllocatedBytes: 8 * d + 65_536,
    check: (out) => { for (let i = 0; i < out.length; i++) assert.ok(out[i]! < d && (i === 0 || out[i]! > out[i - 1]!)); },
  }));
});

test('rANS', { timeout: 120_000 * (ITERATIONS / 10_000) }, () => {
  for (const [n, alphabet] of [[1000, 16], [400, 65536], [300, 2]] as const) {
    const corpus = [0.7, 3].map((skew) => {
      const s = symbols(n, alphabet, skew * (alphabet > 256 ? 200 : 1));
      return encodeRans(alphabet <= 256 ? Uint8Array.from(s) : s, alphabet).bytes;
    });
    expectBothOutcomes(fuzzDecoder({
      name: `rans n=${n} A=${alphabet}`, seed: `${SEED}rans${n}`, corpus, iterations: ITERATIONS,
      decode: (b) => decodeRans(b, n, alphabet), check: inRange(n, alphabet - 1),
      maxAllocatedBytes: 4 * n + 12 * alphabet + 65_536,
    }));
  }
});

test('the harness itself flags wrong error types, bad results and oversized allocations', () => {
  const corpus = [Uint8Array.of(1, 2, 3)];
  assert.throws(() => fuzzDecoder({ name: 'typeerror', seed: 1, corpus, iterations: 50, decode: (b) => { if (b.length !== 3) throw new TypeError('boom'); return b; } }), FuzzFailure);
  assert.throws(() => fuzzDecoder({ name: 'bad-result', seed: 2, corpus, iterations: 50, decode: (b) => b, check: (b) => assert.equal(b.length, 3) }), FuzzFailure);
  assert.throws(() => fuzzDecoder({ name: 'greedy', seed: 3, corpus, iterations: 50, maxAllocatedBytes: 1 << 20, decode: (b) => new Uint8Array(b.length << 20) }), FuzzFailure);
  const ok = fuzzDecoder({ name: 'strict', seed: 4, corpus, iterations: 80, decode: (b) => { if (b.length !== 3) throw new CodecError('len'); return b; } });
  assert.equal(ok.runs, 80);
  assert.equal(ok.byMutation.random.runs, 10);
});
