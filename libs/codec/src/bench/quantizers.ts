/**
 * Throughput of every compressor (quantizer + coder) against a reference measured in the
 * same run: one plain JS pass over a Float32Array of the same length (sum of squares).
 * Encode and decode in million elements/s, bits per element, the empirical entropy of
 * the symbols, and each throughput's ratio to the reference. Targets (issue 3):
 * fixed-width quantize + pack ≥ 0.1 × the reference, unpack ≥ 0.3 ×. Every row is timed in
 * turns with a fresh reference pass (`timeAgainstReference`), so load from other processes
 * shifts both sides alike.
 */
import { Rng, consume, referenceRate, type BenchRow } from '@edgefl/core';
import { timeAgainstReference } from './against-reference.js';
import { createCompressor } from '../registry.js';
import type { CodecSpec } from '../types.js';
import { valueEntropy } from './entropy.js';
import { laplaceUpdateVector } from './update-vector.js';

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

export async function benchQuantizers(sizes: number[], minMs = 200, specs: readonly CodecSpec[] = BENCH_SPECS): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const d of sizes) {
    const v = laplaceUpdateVector(d, d);
    const refRate = referenceRate(v, minMs);
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
      // the machine may be shared: each phase is timed in turns with a fresh reference pass,
      // so each ratio compares like with like (against-reference.ts)
      const enc = timeAgainstReference(v, () => { consume(c.encode(v, spec.id === 'qgadmm' ? encState() : stEnc, rng).payloadBits); }, minMs);
      const dec = timeAgainstReference(v, () => { consume(c.decode(body, d, spec.id === 'qgadmm' ? encState() : stDec).length); }, minMs);
      const label = JSON.stringify(spec);
      const extra = { d, codec: label, bitsPerElement: sample.payloadBits / d, entropy: valueEntropy(sample.decoded) };
      const encRate = d / enc.ms / 1e3, decRate = d / dec.ms / 1e3;
      rows.push({ name: `${label} encode d=${d}`, value: encRate, unit: 'M elements/s', ratioToReference: encRate / enc.refRate, phase: 'encode', reference: enc.refRate, ...extra });
      rows.push({ name: `${label} decode d=${d}`, value: decRate, unit: 'M elements/s', ratioToReference: decRate / dec.refRate, phase: 'decode', reference: dec.refRate, ...extra });
    }
  }
  return rows;
}
