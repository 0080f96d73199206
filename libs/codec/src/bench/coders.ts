/**
 * Throughput of the bit-level coders (bits/, coders/) against a reference measured in the
 * same run: one plain JS pass over a Float32Array of the same length (sum of squares),
 * freshly compiled and timed in turns with every row. Target (issue 3): entropy coders ≥ 50 million symbols/s
 * encode and decode at d = 10⁶.
 */
import { Rng, referenceRate, type BenchRow } from '@edgefl/core';
import { timeAgainstReference } from './against-reference.js';
import { packFixed, unpackFixed } from '../bits/index.js';
import {
  decodeEliasArray, decodeGolombArray, decodeMalcomSymbols, decodeRans, decodeSparseIndex, encodeEliasArray,
  encodeGolombArray, encodeMalcomSymbols, encodeRans, encodeSparseIndex, optimalGolombParameter,
} from '../coders/index.js';
import { entropyOf } from './entropy.js';

/** MALCOM's alphabet: dithered min–max L = 8 levels of a Laplace vector with 30 % exact zeros (symbol 0). */
function malcomInput(rng: Rng, d: number): Uint8Array {
  const p = new Float64Array(d);
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < d; i++) {
    const u = rng.next() - 0.5;
    p[i] = rng.next() < 0.3 ? 0 : -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    if (p[i]! < mn) mn = p[i]!;
    if (p[i]! > mx) mx = p[i]!;
  }
  const out = new Uint8Array(d);
  for (let i = 0; i < d; i++) out[i] = p[i] === 0 ? 0 : 1 + Math.floor((8 * (p[i]! - mn)) / (mx - mn) + rng.next());
  return out;
}

/** Coder throughput rows for `edgefl bench codec` (each with its same-run reference). */
export async function benchCoders(sizes: number[], minMs = 200): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const d of sizes) {
    const rng = new Rng(`bench-coders-${d}`);
    const ref = new Float32Array(d);
    for (let i = 0; i < d; i++) ref[i] = rng.normal();
    const refRate = referenceRate(ref, minMs); // million elements per second
    rows.push({ name: 'reference: sum of squares (Float32Array)', value: refRate, unit: 'M elements/s', ratioToReference: 1, d });

    // Every row is timed in turns with a fresh reference pass (against-reference.ts), so
    // load from other processes shifts both sides of the ratio alike.
    const add = (name: string, n: number, fn: () => unknown, extra: Record<string, string | number> = {}, unit = 'M symbols/s'): void => {
      const t = timeAgainstReference(ref, fn, minMs);
      const rate = n / t.ms / 1e3;
      rows.push({ name, value: rate, unit, ratioToReference: rate / t.refRate, referenceValue: t.refRate, d, ...extra });
    };
    const bitsRow = (coder: string, bits: number, n: number, symbols: ArrayLike<number>): Record<string, number | string> =>
      ({ coder, bitsPerSymbol: bits / n, entropyBitsPerSymbol: entropyOf(symbols) });

    for (const width of [1, 2, 4, 8]) {
      const sym = new Uint8Array(d);
      for (let i = 0; i < d; i++) sym[i] = rng.nextUint32() & ((1 << width) - 1);
      const packed = packFixed(sym, width);
      const out = new Uint8Array(d);
      const extra = bitsRow(`fixed w=${width}`, width * d, d, sym);
      add(`fixed w=${width} pack`, d, () => packFixed(sym, width), extra);
      add(`fixed w=${width} unpack`, d, () => unpackFixed(packed, d, width, out), extra);
    }

    // Geometric small integers, the typical run/gap/count workload of the universal codes.
    const geo = new Uint32Array(d);
    for (let i = 0; i < d; i++) geo[i] = Math.floor(-Math.log(1 - rng.next()) * 4);
    const geo1 = geo.map((v) => v + 1);
    const omega = encodeEliasArray(geo1, 'omega');
    add('elias-ω encode', d, () => encodeEliasArray(geo1, 'omega'), bitsRow('elias-ω', omega.bits, d, geo));
    add('elias-ω decode', d, () => decodeEliasArray(omega.bytes, d, 'omega', omega.bits), bitsRow('elias-ω', omega.bits, d, geo));
    const m = optimalGolombParameter(1 / 5);
    const golomb = encodeGolombArray(geo, m);
    add(`golomb M=${m} encode`, d, () => encodeGolombArray(geo, m), bitsRow('golomb', golomb.bits, d, geo));
    add(`golomb M=${m} decode`, d, () => decodeGolombArray(golomb.bytes, d, m, golomb.bits), bitsRow('golomb', golomb.bits, d, geo));

    const mal = malcomInput(rng, d);
    const malcom = encodeMalcomSymbols(mal, 10);
    add('malcom encode (L=8 Laplace)', d, () => encodeMalcomSymbols(mal, 10), bitsRow('malcom', malcom.bits, d, mal));
    add('malcom decode (L=8 Laplace)', d, () => decodeMalcomSymbols(malcom.bytes, d, 10, malcom.bits), bitsRow('malcom', malcom.bits, d, mal));
    const rans = encodeRans(mal, 10);
    add('rans encode (L=8 Laplace)', d, () => encodeRans(mal, 10), bitsRow('rans', rans.bits, d, mal));
    add('rans decode (L=8 Laplace)', d, () => decodeRans(rans.bytes, d, 10), bitsRow('rans', rans.bits, d, mal));
    const wide = new Uint16Array(d);
    for (let i = 0; i < d; i++) wide[i] = Math.min(65535, Math.floor(-Math.log(1 - rng.next()) * 300));
    const ransWide = encodeRans(wide, 65536);
    add('rans encode (65536-symbol alphabet)', d, () => encodeRans(wide, 65536), bitsRow('rans', ransWide.bits, d, wide));
    add('rans decode (65536-symbol alphabet)', d, () => decodeRans(ransWide.bytes, d, 65536), bitsRow('rans', ransWide.bits, d, wide));
    // 16-bit levels (e.g. uniform bits:16 with coder 'malcom'): thousands of rare levels.
    const malcomWide = encodeMalcomSymbols(wide, 65536);
    add('malcom encode (65536-symbol alphabet)', d, () => encodeMalcomSymbols(wide, 65536), bitsRow('malcom', malcomWide.bits, d, wide));
    add('malcom decode (65536-symbol alphabet)', d, () => decodeMalcomSymbols(malcomWide.bytes, d, 65536, malcomWide.bits), bitsRow('malcom', malcomWide.bits, d, wide));
    // One hit per level (what a hostile peer can send): decoded by direct placement, not 65,535 merges.
    const spread = new Uint16Array(d);
    for (let l = 1; l < 65536; l++) spread[Math.floor((l * d) / 65536)] = l;
    const malcomSpread = encodeMalcomSymbols(spread, 65536);
    add('malcom decode (one hit per level, 65536)', d, () => decodeMalcomSymbols(malcomSpread.bytes, d, 65536, malcomSpread.bits), bitsRow('malcom', malcomSpread.bits, d, spread));

    // Sparse support at 1 % density: rate in positions of the dimension d.
    const support: number[] = [];
    for (let i = 0; i < d; i++) if (rng.next() < 0.01) support.push(i);
    const sparse = encodeSparseIndex(support, d);
    const sparseExtra = { coder: 'sparse-index', bitsPerSymbol: sparse.bits / d, entropyBitsPerSymbol: -(0.01 * Math.log2(0.01) + 0.99 * Math.log2(0.99)) };
    add('sparse-index encode (1 % of d)', d, () => encodeSparseIndex(support, d), sparseExtra, 'M positions of d/s');
    add('sparse-index decode (1 % of d)', d, () => decodeSparseIndex(sparse.bytes, d, sparse.bits), sparseExtra, 'M positions of d/s');
  }
  return rows;
}
