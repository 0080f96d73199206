/**
 * What the MALCOM coder is bounded by, measured: its bits against n·H(f) (the order-0
 * entropy of the symbols) and against eq. 13 of the MALCOM-PSGD paper as printed, on the
 * L = 8 dithered min–max symbols of Laplace vectors with 0–90 % exact zeros (as after the
 * L1 prox). Prints the table in docs/codecs/malcom.md. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/malcom-eq13.bench.ts
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '@edgefl/core';
import { encodeMalcomSymbols, malcomBitBound, malcomScanBitBound, malcomTypeVectorBits } from '@edgefl/codec';
import { countsOf, entropyBits, laplaceVector, malcomSymbols } from '../unit/codec/coders/symbol-sources.js';

export interface Eq13Case {
  readonly d: number;
  readonly zeros: number;
  /** coder bits, type vector included */
  readonly bits: number;
  readonly typeVectorBits: number;
  /** n·H(f) */
  readonly entropyBits: number;
  /** eq. 13 as printed (run lengths only; the paper's bound has no type vector) */
  readonly eq13: number;
  /** eq. 13 with the coder's scan sizes + the type vector: what the coder is always within */
  readonly scanBound: number;
}

export const EQ13_CASES: readonly (readonly [number, number])[] = [
  [10_000, 0], [10_000, 0.3], [10_000, 0.6], [10_000, 0.9],
  [100_000, 0], [100_000, 0.3], [100_000, 0.6], [100_000, 0.9],
];

export function measureEq13(cases = EQ13_CASES): Eq13Case[] {
  return cases.map(([d, zeros]) => {
    const rng = new Rng(`eq13-${d}-${zeros}`);
    const sym = malcomSymbols(rng, laplaceVector(rng, d, 1, zeros), 8);
    const counts = countsOf(sym, 10);
    const typeVectorBits = malcomTypeVectorBits(counts);
    return {
      d, zeros, bits: encodeMalcomSymbols(sym, 10).bits, typeVectorBits,
      entropyBits: d * entropyBits(counts), eq13: malcomBitBound(counts), scanBound: malcomScanBitBound(counts) + typeVectorBits,
    };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log('| d | exact zeros | coder bits | n·H(f) | coder ÷ n·H | eq. 13 as printed | eq. 13 ÷ n·H | scan-size bound + type vector |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const c of measureEq13()) {
    console.log(`| ${c.d.toLocaleString('en')} | ${c.zeros * 100} % | ${c.bits.toLocaleString('en')} | ${Math.round(c.entropyBits).toLocaleString('en')} | ${(c.bits / c.entropyBits).toFixed(3)} | ${Math.round(c.eq13).toLocaleString('en')} | ${(c.eq13 / c.entropyBits).toFixed(3)}${c.eq13 < c.entropyBits ? ' (below n·H)' : ''} | ${Math.round(c.scanBound).toLocaleString('en')} |`);
  }
}
