/**
 * Throughput of the bit-level coders (libs/codec/src/bits, coders) against a reference
 * measured in the same run: one plain JS pass over a Float32Array of the same length
 * computing a sum of squares. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-coders.bench.ts [d …]
 * `benchCoders` is exported for `edgefl bench codec`.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '@edgefl/core';
import {
  decodeEliasArray, decodeGolombArray, decodeMalcomSymbols, decodeRans, decodeSparseIndex, encodeEliasArray,
  encodeGolombArray, encodeMalcomSymbols, encodeRans, encodeSparseIndex, optimalGolombParameter, packFixed, unpackFixed,
} from '@edgefl/codec';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ratioToReference: number;
  readonly [extra: string]: string | number;
}

/** Best time per call (ms) over repeated calls lasting at least `minMs` after one warm-up. */
function bestMs(fn: () => unknown, minMs: number): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - t0 < minMs) {
    const a = performance.now();
    fn();
    const ms = performance.now() - a;
    if (ms < best) best = ms;
    calls++;
  }
  return best;
}

let sink = 0;

function sumSquares(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return s;
}

function entropyOf(symbols: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < symbols.length; i++) counts.set(symbols[i]!, (counts.get(symbols[i]!) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / symbols.length) * Math.log2(c / symbols.length);
  return h;
}

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

export async function benchCoders(sizes: number[], minMs = 200): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const d of sizes) {
    const rng = new Rng(`bench-coders-${d}`);
    const ref = new Float32Array(d);
    for (let i = 0; i < d; i++) ref[i] = rng.normal();
    const refMs = bestMs(() => { sink += sumSquares(ref); }, minMs);
    const refRate = d / refMs / 1e3; // million elements per second
    rows.push({ name: 'reference: sum of squares (Float32Array)', value: refRate, unit: 'M elements/s', ratioToReference: 1, d });

    // The reference is re-measured next to every row, so load from other processes
    // shifts both sides of the ratio alike.
    const add = (name: string, n: number, fn: () => unknown, extra: Record<string, string | number> = {}, unit = 'M symbols/s'): void => {
      const localRef = d / bestMs(() => { sink += sumSquares(ref); }, minMs / 2) / 1e3;
      const rate = n / bestMs(fn, minMs) / 1e3;
      rows.push({ name, value: rate, unit, ratioToReference: rate / localRef, referenceValue: localRef, d, ...extra });
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

    // Sparse support at 1 % density: rate in positions of the dimension d.
    const support: number[] = [];
    for (let i = 0; i < d; i++) if (rng.next() < 0.01) support.push(i);
    const sparse = encodeSparseIndex(support, d);
    const sparseExtra = { coder: 'sparse-index', bitsPerSymbol: sparse.bits / d, entropyBitsPerSymbol: -(0.01 * Math.log2(0.01) + 0.99 * Math.log2(0.99)) };
    add('sparse-index encode (1 % of d)', d, () => encodeSparseIndex(support, d), sparseExtra, 'M positions of d/s');
    add('sparse-index decode (1 % of d)', d, () => decodeSparseIndex(sparse.bytes, d, sparse.bits), sparseExtra, 'M positions of d/s');
  }
  if (sink === 42) console.log(''); // keep the reference loop observable
  return rows;
}

function printTable(rows: BenchResult[]): void {
  const fmt = (x: unknown, digits: number): string => (typeof x === 'number' ? x.toFixed(digits) : '');
  console.log(`${'d'.padStart(8)}  ${'benchmark'.padEnd(38)} ${'M/s'.padStart(9)} ${'×ref'.padStart(6)} ${'bits/sym'.padStart(9)} ${'H bits'.padStart(7)}`);
  for (const r of rows) {
    console.log(`${String(r.d).padStart(8)}  ${r.name.padEnd(38)} ${fmt(r.value, 1).padStart(9)} ${fmt(r.ratioToReference, 3).padStart(6)} ${fmt(r.bitsPerSymbol, 3).padStart(9)} ${fmt(r.entropyBitsPerSymbol, 3).padStart(7)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  printTable(await benchCoders(sizes.length ? sizes : [1e4, 1e6]));
}
