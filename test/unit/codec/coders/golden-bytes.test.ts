import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Rng } from '@edgefl/core';
import {
  BitReader, BitWriter, decodeEliasArray, decodeGolombArray, decodeMalcomSymbols, encodeEliasArray, encodeGolombArray,
  encodeMalcomSymbols, encodeSparseIndex, golombParams, readElias, readGolomb, writeElias, writeGolomb, type CodedBits, type EliasKind,
} from '@edgefl/codec';

/**
 * The table-driven coders (issue 3) must not change a single encoded bit. GOLDEN holds the
 * SHA-256 of (bit count, bytes) of every case below, recorded from the bit-serial
 * implementation before the fast paths were rewritten (commit "codec tests: golden hashes
 * of the Elias, Golomb and MALCOM outputs"). A mismatch names the case that changed.
 */
const GOLDEN: Record<string, string> = {
  'elias-gamma geo4': 'c4289537b557b3b691b12416',
  'elias-gamma geo300': 'ac1c5858e9118181669e1082',
  'elias-gamma mixed': '24447fd3ae5518c8ffb05f45',
  'elias-gamma uniform32': '8674baeec3ae9d8745da901e',
  'elias-gamma small': '5463ee4d7591c95275383744',
  'elias-delta geo4': '65254b4028630dec084b9197',
  'elias-delta geo300': 'f4719adf648367c48822cd90',
  'elias-delta mixed': 'bea6b85979d6968b60c9a974',
  'elias-delta uniform32': 'd0fa013243f281c6adb9dbf8',
  'elias-delta small': '7124b4e98f061a1089195d95',
  'elias-omega geo4': 'a5c8b420d405d8b99558e4ae',
  'elias-omega geo300': 'df672a773a30af986e183fc9',
  'elias-omega mixed': 'f309f3d432087594b36d736b',
  'elias-omega uniform32': '2e350add3d273320d1270861',
  'elias-omega small': '94064024f9ea44e61dc79153',
  'golomb M=1': '787ec248345931873a62fddf',
  'golomb M=2': '1e41c43a82fedd74d39afa3b',
  'golomb M=3': '4290bba7fdd5bfc0f92102ef',
  'golomb M=4': 'fb67f6165cecf6d45bf6296c',
  'golomb M=5': 'cba8707943765479b66aa339',
  'golomb M=7': '528d385ee9959c40ed1adaa6',
  'golomb M=8': 'ec67d248ccffbfa6ed07050a',
  'golomb M=13': '10e05917ce3fd63cf5ee5580',
  'golomb M=64': '5fc51874e66e6d276cae00d0',
  'golomb M=100': 'e3e743bad034fa8993728954',
  'golomb M=1000': '3b541a0a12663fb895dc2fb8',
  'golomb M=4096': '8c75b38a524a5fb2e620da61',
  'golomb M=65537': 'a894fc0f224d0ae3422df1c2',
  'golomb M=16777219': '0462c996ea420e0b228ef8ca',
  'golomb M=2147483648': '904a60574bbd8d076f523e6f',
  'golomb M=2147483649': '36d46a04a67e5ec9a7f326da',
  'golomb M=4294967295': 'ea07cde38887fc88aaca59ef',
  'interleaved writer': 'e322ce97d1b8589663b60903',
  'malcom L=8 Laplace 30% zeros': '6e37c2d500f3f39879ef19a1',
  'malcom L=8 Laplace no zeros': '5979732cee4d6ec44d4f7687',
  'malcom L=2 Laplace': 'dbf936a6b07c38d859d179d6',
  'malcom L=30 Laplace (rare levels)': 'fa84e4161b69e1504da080f4',
  'malcom alphabet 2 dense': '2e9f97038678a396a3257246',
  'malcom alphabet 2 sparse': '908ec98b847aeaebf1835a19',
  'malcom alphabet 1': '5feceb66ffc86f38d952786c',
  'malcom one symbol of many': '519d5389426fa04d6cb6947e',
  'malcom empty': '54fe9ff3666ec3b4ca39f1e0',
  'malcom alphabet 300 geometric': '504240c8351670f968595a6a',
  'malcom alphabet 65536 geometric': '6d95cae8ae6ba44d998b308d',
  'malcom alphabet 256 uniform': '8d87cfaab439ce0d5b9528d5',
  'sparse-index density=0.3': '4a96c1867775a61bd328ffdb',
  'sparse-index density=0.01': 'ccd3c804162a7a439c7e2d2c',
  'sparse-index density=0.0001': 'e25c8120a7492e487ab3a7ea',
};

function digest(c: CodedBits): string {
  const h = createHash('sha256');
  h.update(String(c.bits));
  h.update(c.bytes);
  return h.digest('hex').slice(0, 24);
}

/** Geometric integers with mean ≈ scale, plus `extremes` mixed in at seeded positions. */
function geometric(rng: Rng, n: number, scale: number, extremes: number[] = []): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.floor(-Math.log(1 - rng.next()) * scale));
  for (const x of extremes) out[rng.nextUint32() % n] = x;
  return out;
}

function laplaceSymbols(rng: Rng, n: number, levels: number, zeroFraction: number): Uint8Array {
  const p = new Float64Array(n);
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < n; i++) {
    const u = rng.next() - 0.5;
    p[i] = rng.next() < zeroFraction ? 0 : -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    mn = Math.min(mn, p[i]!);
    mx = Math.max(mx, p[i]!);
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = p[i] === 0 ? 0 : 1 + Math.floor((levels * (p[i]! - mn)) / (mx - mn) + rng.next());
  return out;
}

interface Case {
  readonly name: string;
  readonly coded: CodedBits;
  /** decodes `coded` and compares with the input */
  readonly roundTrip: () => void;
}

function cases(): Case[] {
  const out: Case[] = [];
  const rng = new Rng('golden-coders');
  const kinds: EliasKind[] = ['gamma', 'delta', 'omega'];
  const big = [0xffffffff, 0xfffffffe, 2 ** 31, 2 ** 31 - 1, 2 ** 24, 2 ** 24 - 1, 2 ** 16, 65535, 65537, 255, 256];
  for (const kind of kinds) {
    for (const [label, values] of [
      ['geo4', geometric(rng, 20000, 4).map((v) => v + 1)],
      ['geo300', geometric(rng, 20000, 300).map((v) => v + 1)],
      ['mixed', geometric(rng, 5000, 20, big).map((v) => Math.max(1, v))],
      ['uniform32', Array.from({ length: 3000 }, () => rng.nextUint32() || 1)],
      ['small', Array.from({ length: 64 }, (_, i) => i + 1)],
    ] as const) {
      const coded = encodeEliasArray(values, kind);
      out.push({ name: `elias-${kind} ${label}`, coded, roundTrip: () => assert.deepEqual([...decodeEliasArray(coded.bytes, values.length, kind, coded.bits)], values) });
    }
  }
  for (const m of [1, 2, 3, 4, 5, 7, 8, 13, 64, 100, 1000, 4096, 65537, 2 ** 24 + 3, 2 ** 31, 2 ** 31 + 1, 0xffffffff]) {
    // Quotients stay below ~10⁴ so M = 1 does not write gigabits of zeros.
    const cap = Math.min(0xffffffff, m * 9000);
    const extremes = [cap, Math.min(cap, m * 31), Math.min(cap, m * 32 - 1), m - 1, m, Math.min(cap, 0xffffffff)].filter((v) => v <= cap);
    const values = geometric(rng, 20000, Math.min(m * 2, 2 ** 31), extremes).map((v) => Math.min(v, cap));
    const coded = encodeGolombArray(values, m);
    out.push({ name: `golomb M=${m}`, coded, roundTrip: () => assert.deepEqual([...decodeGolombArray(coded.bytes, values.length, m, coded.bits)], values) });
  }
  // Interleaved with unaligned raw bits, as the compressors use them.
  {
    const w = new BitWriter(8);
    const p3 = golombParams(3);
    const p1000 = golombParams(1000);
    const written: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const nb = rng.nextUint32() % 33;
      const raw = nb === 0 ? 0 : rng.nextUint32() >>> (32 - nb);
      const g3 = Math.floor(rng.next() * 40);
      const g1000 = Math.floor(rng.next() * 70000);
      const e = 1 + (rng.nextUint32() >>> (rng.nextUint32() % 32));
      w.writeBits(raw, nb);
      writeGolomb(w, g3, p3);
      writeGolomb(w, g1000, p1000);
      writeElias(w, kinds[i % 3]!, e);
      written.push(nb, raw, g3, g1000, e);
    }
    const coded = { bytes: w.finish(), bits: w.bitLength };
    out.push({ name: 'interleaved writer', coded, roundTrip: () => {
      const r = new BitReader(coded.bytes, coded.bits);
      const read: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const nb = written[5 * i]!;
        read.push(nb, r.readBits(nb), readGolomb(r, p3), readGolomb(r, p1000), readElias(r, kinds[i % 3]!));
      }
      assert.deepEqual(read, written);
      assert.equal(r.bitsRemaining, 0);
    } });
  }
  const malcomInputs: [string, Uint8Array | Uint16Array, number][] = [
    ['L=8 Laplace 30% zeros', laplaceSymbols(rng, 100000, 8, 0.3), 10],
    ['L=8 Laplace no zeros', laplaceSymbols(rng, 50000, 8, 0), 10],
    ['L=2 Laplace', laplaceSymbols(rng, 30000, 2, 0.1), 4],
    ['L=30 Laplace (rare levels)', laplaceSymbols(rng, 80000, 30, 0.5), 32],
    ['alphabet 2 dense', Uint8Array.from({ length: 20000 }, () => (rng.next() < 0.5 ? 1 : 0)), 2],
    ['alphabet 2 sparse', Uint8Array.from({ length: 20000 }, () => (rng.next() < 0.001 ? 1 : 0)), 2],
    ['alphabet 1', new Uint8Array(1000), 1],
    ['one symbol of many', new Uint8Array(1000).fill(5), 10],
    ['empty', new Uint8Array(0), 10],
    ['alphabet 300 geometric', Uint16Array.from(geometric(rng, 40000, 20), (v) => Math.min(299, v)), 300],
    ['alphabet 65536 geometric', Uint16Array.from(geometric(rng, 20000, 3000), (v) => Math.min(65535, v)), 65536],
    ['alphabet 256 uniform', Uint8Array.from({ length: 30000 }, () => rng.nextUint32() & 255), 256],
  ];
  for (const [label, symbols, alphabet] of malcomInputs) {
    const coded = encodeMalcomSymbols(symbols, alphabet);
    out.push({ name: `malcom ${label}`, coded, roundTrip: () => assert.deepEqual([...decodeMalcomSymbols(coded.bytes, symbols.length, alphabet, coded.bits)], [...symbols]) });
  }
  for (const density of [0.3, 0.01, 0.0001]) {
    const d = 200000;
    const support: number[] = [];
    for (let i = 0; i < d; i++) if (rng.next() < density) support.push(i);
    out.push({ name: `sparse-index density=${density}`, coded: encodeSparseIndex(support, d), roundTrip: () => {} });
  }
  return out;
}

test('encoded bytes match the golden hashes recorded before the table-driven rewrite', () => {
  const all = cases();
  if (process.env.EDGEFL_PRINT_GOLDEN) {
    for (const c of all) console.log(`  '${c.name}': '${digest(c.coded)}',`);
  }
  assert.equal(Object.keys(GOLDEN).length, all.length, 'one golden hash per case');
  for (const c of all) assert.equal(digest(c.coded), GOLDEN[c.name], c.name);
});

test('every golden case decodes back to its input', () => {
  for (const c of cases()) c.roundTrip();
});
