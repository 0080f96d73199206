import { writeFileSync } from 'node:fs';
import { Command, Argument } from 'commander';
import type { BenchRecord, BenchRow } from '@edgefl/core';
import { benchQuantizers } from '@edgefl/codec';
import { benchTrain, TRAIN_BENCH_REFERENCE } from '@edgefl/train';

interface BenchOptions {
  json?: string;
  sizes: string;
  quick?: boolean;
}

/** `edgefl bench codec|train`: throughput as ratios against a reference measured in the same run. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('measure codec or training throughput against a reference measured in the same run')
    .addArgument(new Argument('<what>', 'what to measure').choices(['codec', 'train']))
    .option('--json <file>', 'write the benchmark record (format edgefl-bench/1) to this file')
    .option('--sizes <d,…>', 'vector lengths for the codec benchmark', '10000,1000000')
    .option('--quick', 'shorter measurements (noisier)')
    .action(async (what: 'codec' | 'train', opts: BenchOptions) => {
      const record = what === 'codec' ? await codec(opts) : await train(opts);
      process.stdout.write(table(record.results) + '\n');
      if (opts.json) writeFileSync(opts.json, JSON.stringify(record, null, 2) + '\n');
    });
}

async function codec(opts: BenchOptions): Promise<BenchRecord> {
  const sizes = opts.sizes.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const results = await benchQuantizers(sizes, opts.quick ? 40 : 200);
  const refs = results.filter((r) => r['phase'] === 'reference');
  const ref = refs[refs.length - 1];
  return {
    format: 'edgefl-bench/1', bench: 'codec',
    reference: { name: 'plain JS sum of squares over the same Float32Array', value: ref?.value ?? null, unit: 'M elements/s' },
    results,
  };
}

async function train(opts: BenchOptions): Promise<BenchRecord> {
  const results = await benchTrain(opts.quick ? { minMs: 100, batches: [1, 32] } : {});
  return { format: 'edgefl-bench/1', bench: 'train', reference: { ...TRAIN_BENCH_REFERENCE, value: null }, results };
}

function table(rows: readonly BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(w)}  ${r.value.toFixed(3).padStart(10)} ${r.unit.padEnd(14)} × ref ${r.ratioToReference.toFixed(3)}`).join('\n');
}
