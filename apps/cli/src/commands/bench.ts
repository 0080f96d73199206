import { writeFileSync } from 'node:fs';
import { Command, Argument, InvalidArgumentError, Option } from 'commander';
import type { BenchRecord, BenchRow } from '@edgefl/core';

interface BenchOptions {
  json?: string;
  sizes: number[];
  quick?: boolean;
  messageBytes: number;
  against?: 'mosquitto';
  experiment: string;
  cases?: string;
}

/** A whole number ≥ 1, or a usage error (exit 2) naming the value. */
function positiveInt(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return n;
}

/** `--sizes 10000,1000000`: comma-separated vector lengths, each ≥ 1. */
export function parseSizes(text: string): number[] {
  const parts = text.split(',');
  try {
    return parts.map(positiveInt);
  } catch {
    throw new InvalidArgumentError(`expected comma-separated vector lengths ≥ 1 such as 10000,1000000, got ${JSON.stringify(text)}`);
  }
}

/** `--message-bytes 5242880`: a message size in bytes, ≥ 1. */
export function parseMessageBytes(text: string): number {
  try {
    return positiveInt(text);
  } catch {
    throw new InvalidArgumentError(`expected a message size in bytes (a whole number ≥ 1) such as 5242880, got ${JSON.stringify(text)}`);
  }
}

/** `edgefl bench codec|train|broker|fleet|cli`: throughput as ratios against a reference measured in the same run. */
export function benchCommand(): Command {
  return new Command('bench')
    .description('measure codec, training or broker throughput against a reference measured in the same run')
    .addArgument(new Argument('<what>', 'what to measure').choices(['codec', 'train', 'broker', 'fleet', 'cli']))
    .option('--json <file>', 'write the benchmark record (format edgefl-bench/1) to this file')
    .addOption(new Option('--sizes <d,…>', 'vector lengths for the codec benchmark').argParser(parseSizes).default([10_000, 1_000_000], '10000,1000000'))
    .option('--quick', 'shorter measurements (noisier)')
    .addOption(new Option('--message-bytes <n>', 'message size for the broker benchmark').argParser(parseMessageBytes).default(5 * 1024 * 1024, '5242880'))
    .option('--experiment <file>', 'fleet: the experiment every case starts from', 'configs/quickstart.yaml')
    .option('--cases <id,…>', 'fleet: which cases to run (quickstart, agents-1000, malcom-ring-1000); default all')
    .addOption(new Option('--against <broker>', 'broker: run the same loopback load against the gateway\'s broker and this one (started here), rows vs-<broker>').choices(['mosquitto']))
    .action(async (what: 'codec' | 'train' | 'broker' | 'fleet' | 'cli', opts: BenchOptions) => {
      const record = what === 'codec' ? await codec(opts) : what === 'train' ? await train(opts) : what === 'broker' ? await broker(opts) : what === 'fleet' ? await fleet(opts) : await cli(opts);
      process.stdout.write(referenceLine(record) + table(record.results) + '\n');
      if (opts.json) writeFileSync(opts.json, JSON.stringify(record, null, 2) + '\n');
    });
}

async function codec(opts: BenchOptions): Promise<BenchRecord> {
  const sizes = opts.sizes;
  const minMs = opts.quick ? 40 : 200;
  const { benchCoders, benchQuantizers } = await import('@edgefl/codec');
  const quantizers = await benchQuantizers(sizes, minMs);
  const results = [...quantizers, ...(await benchCoders(sizes, minMs)), ...(await modelUpdateBits(opts.quick ?? false))];
  const refs = quantizers.filter((r) => r['phase'] === 'reference');
  const ref = refs[refs.length - 1];
  return {
    format: 'edgefl-bench/1', bench: 'codec',
    reference: { name: 'plain JS sum of squares over the same Float32Array', value: ref?.value ?? null, unit: 'M elements/s' },
    results,
  };
}

/**
 * Bits per element on real model updates against the order-0 entropy of the coded symbols:
 * the digits MLP update (repository data) and, unless --quick and when Debian's
 * dataset-fashion-mnist is installed, the MALCOM-PSGD paper's 784-512-512-10 MLP
 * (d = 669,706; ~5 s of plain-JS training).
 */
async function modelUpdateBits(quick: boolean): Promise<BenchRow[]> {
  const [{ benchModelUpdateBits, mlpUpdate, DIGITS_MLP_UPDATE, FASHION_MLP_UPDATE }, { loadDataset, standardize, hasFashionMnist }] =
    await Promise.all([import('@edgefl/codec'), import('@edgefl/data')]);
  const rows = benchModelUpdateBits('digits MLP 64-128-10', mlpUpdate(standardize(loadDataset('digits')).train, DIGITS_MLP_UPDATE));
  if (quick) return rows;
  if (hasFashionMnist()) {
    const fashion = loadDataset({ name: 'fashion-mnist', split: 'test' });
    rows.push(...benchModelUpdateBits('fashion-mnist MLP 784-512-512-10', mlpUpdate(fashion, FASHION_MLP_UPDATE)));
  } else {
    process.stderr.write('bench codec: fashion-mnist is not installed (apt-get install dataset-fashion-mnist); only the digits model-update rows are measured\n');
  }
  return rows;
}

async function train(opts: BenchOptions): Promise<BenchRecord> {
  const { benchTrain, TRAIN_BENCH_REFERENCE } = await import('@edgefl/train');
  const results = await benchTrain(opts.quick ? { minMs: 100, batches: [1, 32] } : {});
  return { format: 'edgefl-bench/1', bench: 'train', reference: { ...TRAIN_BENCH_REFERENCE, value: null }, results };
}

async function broker(opts: BenchOptions): Promise<BenchRecord> {
  if (opts.against === 'mosquitto') {
    const { benchAgainstMosquitto } = await import('@edgefl/gateway');
    const { reference, results } = await benchAgainstMosquitto(opts.quick ? { quick: true } : {});
    return { format: 'edgefl-bench/1', bench: 'broker', reference: { name: reference.name, value: reference.value, unit: reference.unit }, results };
  }
  const { benchTransport } = await import('@edgefl/gateway');
  const { reference, results } = await benchTransport(opts.messageBytes);
  return { format: 'edgefl-bench/1', bench: 'broker', reference: { name: reference.name, value: reference.value, unit: reference.unit }, results };
}

async function fleet(opts: BenchOptions): Promise<BenchRecord> {
  const [{ loadExperimentConfig }, { createLogger }, { benchFleet }] = await Promise.all([
    import('@edgefl/config'), import('@edgefl/telemetry'), import('@edgefl/lab'),
  ]);
  const base = loadExperimentConfig(opts.experiment);
  const cases = opts.cases?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const log = createLogger({ level: 'warn', destination: 'stderr', name: 'bench' });
  const { reference, results } = await benchFleet(base, { quick: opts.quick ?? false, log, ...(cases ? { cases } : {}) });
  return { format: 'edgefl-bench/1', bench: 'fleet', reference: { name: reference.name, value: reference.value, unit: reference.unit }, results };
}

async function cli(opts: BenchOptions): Promise<BenchRecord> {
  const { benchCli } = await import('../bench-cli.js');
  const { reference, results } = benchCli(opts.quick ? { quick: true } : {});
  return { format: 'edgefl-bench/1', bench: 'cli', reference: { name: reference.name, value: reference.value, unit: reference.unit }, results };
}

/** What every ratio is against; codec's reference rows are in its table already. */
function referenceLine(record: BenchRecord): string {
  if (record.results.some((r) => r['phase'] === 'reference')) return '';
  const r = record.reference;
  const value = typeof r.value === 'number' ? `: ${r.value.toFixed(3)} ${r.unit}` : ` (${r.unit}, measured next to each row)`;
  return `reference: ${r.name}${value}\n`;
}

function table(rows: readonly BenchRow[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(w)}  ${r.value.toFixed(3).padStart(10)} ${r.unit.padEnd(14)} × ref ${r.ratioToReference.toFixed(3)}`).join('\n');
}
