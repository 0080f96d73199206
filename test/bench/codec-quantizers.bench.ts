/**
 * Throughput of every quantizer (compressor = quantizer + coder) against a reference
 * measured in the same run: one plain JS pass over a Float32Array of the same length
 * computing a sum of squares. Reports encode and decode throughput (million elements/s),
 * bits per element, the empirical entropy of the symbols and each throughput's ratio to
 * the reference. Targets (issue 3): fixed-width quantize + pack ≥ 0.1 × the reference,
 * unpack ≥ 0.3 ×. The reference is re-measured next to every row (`reference` field), so
 * load from other processes on a shared machine shifts both sides of a ratio alike. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-quantizers.bench.ts [d …]
 * `benchQuantizers` lives in @edgefl/codec; `edgefl bench codec` runs it too.
 */
import { pathToFileURL } from 'node:url';
import type { BenchRow } from '@edgefl/core';
import { benchQuantizers } from '@edgefl/codec';

function printTable(rows: BenchRow[]): void {
  const f = (x: unknown, p = 2): string => (typeof x === 'number' ? x.toFixed(p) : '—');
  console.log('| d | codec | encode M el/s | × ref | decode M el/s | × ref | bits/el | entropy |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r['phase'] === 'reference') {
      console.log(`| ${r['d']} | reference: sum of squares | ${f(r.value, 0)} | 1 | | | | |`);
      continue;
    }
    if (r['phase'] !== 'encode') continue;
    const dec = rows.find((x) => x['phase'] === 'decode' && x['codec'] === r['codec'] && x['d'] === r['d'])!;
    console.log(`| ${r['d']} | \`${String(r['codec'])}\` | ${f(r.value, 1)} | ${f(r.ratioToReference, 3)} | ${f(dec.value, 1)} | ${f(dec.ratioToReference, 3)} | ${f(r['bitsPerElement'], 3)} | ${f(r['entropy'], 3)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  printTable(await benchQuantizers(sizes.length ? sizes : [1e4, 1e6]));
}
