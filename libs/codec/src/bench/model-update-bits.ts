/**
 * Bits per element of codecs on a real model update, against the order-0 entropy of what
 * each one codes (the quantizer's symbols): rows for `edgefl bench codec` whose ratio is
 * payload bits ÷ (d · H). A coder at the entropy reads 1.000; QSGD's own Elias coding is a
 * universal code and reads ~1.5 (docs/codecs/qsgd.md), rANS approaches 1 as d grows.
 */
import { Rng, type BenchRow } from '@edgefl/core';
import { createCompressor } from '../registry.js';
import type { CodecSpec } from '../types.js';
import { valueEntropy } from './entropy.js';

/** The codecs compared on the update: the MALCOM-PSGD paper's baseline and its own coder. */
export const MODEL_UPDATE_SPECS: readonly CodecSpec[] = [
  { id: 'qsgd', levels: 8 },
  { id: 'qsgd', levels: 8, coder: 'per-coordinate' },
  { id: 'qsgd', levels: 8, coder: 'rans' },
  { id: 'malcom', levels: 8 },
  { id: 'malcom', levels: 8, coder: 'rans' },
];

export function benchModelUpdateBits(update: string, u: Float32Array, specs: readonly CodecSpec[] = MODEL_UPDATE_SPECS): BenchRow[] {
  const d = u.length;
  const rows: BenchRow[] = [];
  for (const spec of specs) {
    const c = createCompressor(spec);
    const out = c.encode(u, c.initState(d), new Rng(1));
    const h = valueEntropy(out.decoded);
    if (h === null || h === 0) continue; // no small alphabet, or nothing to code: no ratio
    const bits = out.payloadBits / d;
    const label = JSON.stringify(spec);
    rows.push({
      name: `${update} d=${d} ${label} bits/element vs order-0 entropy`, value: bits, unit: 'bits/element',
      ratioToReference: bits / h, phase: 'model-update', d, codec: label, update, bitsPerElement: bits, entropy: h,
    });
  }
  return rows;
}
