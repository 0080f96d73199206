/**
 * Throughput of the bit-level coders (libs/codec/src/bits, coders) against a reference
 * measured in the same run: one plain JS pass over a Float32Array of the same length
 * computing a sum of squares. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-coders.bench.ts [d …]
 * `benchCoders` lives in @edgefl/codec; `edgefl bench codec` runs it too.
 */
import { pathToFileURL } from 'node:url';
import type { BenchRow } from '@edgefl/core';
import { benchCoders } from '@edgefl/codec';

function printTable(rows: BenchRow[]): void {
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
