import type { BenchRow } from '@edgefl/core';

/** Decimals printed for values and ratios (a ratio of 0.005 needs four). */
export interface RowDigits {
  readonly value?: number;
  readonly ratio?: number;
}

/** Prints a bench's rows (and its edgefl-bench/1 record as the last line) for the scripts in test/bench/. */
export function printRows(bench: string, reference: BenchRow, results: readonly BenchRow[], digits: RowDigits = {}): void {
  const { value = 3, ratio = 3 } = digits;
  console.log(`reference: ${reference.name}: ${reference.value.toFixed(value)} ${reference.unit}`);
  for (const r of results) {
    const extra = Object.entries(r)
      .filter(([k]) => !['name', 'value', 'unit', 'ratioToReference'].includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
      .join(' ');
    console.log(`${r.name}: ${r.value.toFixed(value)} ${r.unit}  ×${r.ratioToReference.toFixed(ratio)} of reference  ${extra}`);
  }
  console.log(JSON.stringify({ format: 'edgefl-bench/1', bench, reference, results }));
}
