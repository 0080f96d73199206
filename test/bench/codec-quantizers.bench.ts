/**
 * Throughput of every quantizer (compressor = quantizer + coder) against a reference
 * measured in the same run: one plain JS pass over a Float32Array of the same length
 * computing a sum of squares. Reports encode and decode throughput (million elements/s),
 * bits per element, the empirical entropy of the symbols and each throughput's ratio to
 * the reference. Targets (issue 3): fixed-width quantize + pack ≥ 0.1 × the reference,
 * unpack ≥ 0.3 ×. The reference is re-measured next to every row (`reference` field), so
 * load from other processes on a shared machine shifts both sides of a ratio alike. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/codec-quantizers.bench.ts [d …]
 * `benchQuantizers` is exported for `edgefl bench codec`.
 */
import { pathToFileURL } from 'node:url';
import { Rng } from '@edgefl/core';
import { createCompressor } from '@edgefl/codec';
import type { CodecSpec } from '@edgefl/codec';

/** One edgefl-bench/1 `results` entry. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly ratioToReference: number;
  readonly [extra: string]: string | number | null;
}

/** The compressors measured; fixed-width ones are the ones the targets apply to. */
export const BENCH_SPECS: readonly CodecSpec[] = [
  { id: 'float32' },
  { id: 'float16' },
  { id: 'uniform', bits: 2 },
  { id: 'uniform', bits: 8 },
  { id: 'uniform', bits: 4, coder: 'rans' },
  { id: 'qgadmm', bits: 2 },
  { id: 'malcom', levels: 8, coder: 'fixed' },
  { id: 'malcom', levels: 8 },
  { id: 'malcom', levels: 8, coder: 'rans' },
  { id: 'qsgd', levels: 16 },
  { id: 'qsgd', levels: 16, coder: 'rans' },
  { id: 'threshold' },
  { id: 'threshold', threshold: 'approx', form: 'sparse' },
  { id: 'terngrad' },
  { id: 'dq', bits: 4 },
  { id: 'topk', ratio: 0.01 },
  { id: 'sign' },
  { id: 'ef', inner: 'topk', ratio: 0.01 },
];

/** Best time per call (ms) over calls lasting at least `minMs`, after one warm-up call. */
function bestMs(fn: () => unknown, minMs: number): number {
  fn();
  let best = Infinity;
  const t0 = performance.now();
  let calls = 0;
  while (calls < 3 || performance.now() - t0 < minMs) {
    const a = performance.now();
    fn();
    best = Math.min(best, performance.now() - a);
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

/**
 * Empirical entropy (bits/element) of the quantizer's output. Each per-message scalar
 * quantizer maps symbols one-to-one onto reconstruction values, so the entropy of the
 * decoded values is the entropy of the symbols. null for codecs without a symbol alphabet.
 */
function valueEntropy(x: Float32Array): number | null {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    counts.set(x[i]!, (counts.get(x[i]!) ?? 0) + 1);
    if (counts.size > 70_000) return null; // not a small alphabet (float pass-through, top-k values)
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / x.length) * Math.log2(c / x.length);
  return h;
}

/** A model-update-like vector: Laplace-distributed with 20 % exact zeros (seeded). */
function updateVector(d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    if (r.next() < 0.2) continue;
    const u = r.next() - 0.5;
    v[i] = -0.01 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return v;
}

export async function benchQuantizers(sizes: number[], minMs = 200, specs: readonly CodecSpec[] = BENCH_SPECS): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const d of sizes) {
    const v = updateVector(d, d);
    const refMs = bestMs(() => { sink += sumSquares(v); }, minMs);
    const refRate = d / refMs / 1e3;
    rows.push({ name: `reference: sum of squares d=${d}`, value: refRate, unit: 'M elements/s', ratioToReference: 1, d, codec: null, phase: 'reference' });
    for (const spec of specs) {
      const c = createCompressor(spec);
      const rng = new Rng(1);
      // stateful codecs: a fresh state per call, so every call does the same work
      const encState = (): unknown => {
        const st = c.initState(d);
        if (spec.id === 'dq') (st as { range: number }).range = 0.1;
        return st;
      };
      const sample = c.encode(v, encState(), rng);
      const bodyState = encState();
      const body = c.encode(v, bodyState, new Rng(2)).body;
      const stEnc = encState();
      const stDec = encState();
      // the machine may be shared: re-measure the reference next to every row so each ratio
      // compares like with like
      const rowRefRate = d / bestMs(() => { sink += sumSquares(v); }, minMs / 2) / 1e3;
      const encMs = bestMs(() => { sink += c.encode(v, spec.id === 'qgadmm' ? encState() : stEnc, rng).payloadBits; }, minMs);
      const decMs = bestMs(() => { sink += c.decode(body, d, spec.id === 'qgadmm' ? encState() : stDec).length; }, minMs);
      const label = JSON.stringify(spec);
      const extra = { d, codec: label, bitsPerElement: sample.payloadBits / d, entropy: valueEntropy(sample.decoded) };
      const encRate = d / encMs / 1e3, decRate = d / decMs / 1e3;
      rows.push({ name: `${label} encode d=${d}`, value: encRate, unit: 'M elements/s', ratioToReference: encRate / rowRefRate, phase: 'encode', reference: rowRefRate, ...extra });
      rows.push({ name: `${label} decode d=${d}`, value: decRate, unit: 'M elements/s', ratioToReference: decRate / rowRefRate, phase: 'decode', reference: rowRefRate, ...extra });
    }
  }
  if (sink === 42) console.log(''); // keep the timed results observable
  return rows;
}

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
