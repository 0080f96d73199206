import type { BenchRow } from '@edgefl/core';

/** Prints a bench's rows (and its edgefl-bench/1 record as the last line) for the scripts in test/bench/. */
export function printRows(bench: string, reference: BenchRow, results: readonly BenchRow[]): void {
  console.log(`reference: ${reference.name}: ${reference.value.toFixed(3)} ${reference.unit}`);
  for (const r of results) {
    const extra = Object.entries(r)
      .filter(([k]) => !['name', 'value', 'unit', 'ratioToReference'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
      .join(' ');
    console.log(`${r.name}: ${r.value.toFixed(3)} ${r.unit}  ×${r.ratioToReference.toFixed(3)} of reference  ${extra}`);
  }
  console.log(JSON.stringify({ format: 'edgefl-bench/1', bench, reference, results }));
}
