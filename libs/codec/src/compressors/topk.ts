import type { CodecCompressor } from './compressor.js';
import { checkBodyAtLeast, checkDim, checkFiniteInput, viewOf } from './checks.js';
import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { readSparseIndex, writeSparseIndex } from '../coders/sparse-index.js';
import { CodecError } from '../errors.js';
import { firstNonFinite } from '../quantizers/range.js';
import { topKIndices } from '../quantizers/select.js';

export type TopKSpec = {
  readonly id: 'topk';
  /** coordinates kept; or use `ratio` */
  readonly k?: number;
  /** fraction of coordinates kept, 0 < ratio ≤ 1 (k = ⌈ratio·d⌉) */
  readonly ratio?: number;
};

/**
 * Top-k sparsification: the k largest |v_i| as float32 plus their positions. k follows
 * from the spec and d, so it is not sent. Body = k float32 values ‖ sparse index (the
 * positions as a d-bit bitmap or Golomb-coded gaps, whichever is smaller, after a 1-bit
 * flag; coders/sparse-index.ts). Payload = 32k + 1 + min(d, gap bits). Biased: pair with
 * error feedback.
 */
export function createTopK(spec: TopKSpec): CodecCompressor<void> {
  const { k: fixedK, ratio } = spec;
  if ((fixedK === undefined) === (ratio === undefined)) {
    throw new CodecError('topk: give exactly one of k or ratio', "e.g. { id: 'topk', ratio: 0.01 } or { id: 'topk', k: 1000 }");
  }
  if (fixedK !== undefined && (!Number.isInteger(fixedK) || fixedK < 0)) {
    throw new CodecError(`topk: k = ${fixedK} is not a non-negative integer`, 'set k to the number of coordinates to keep');
  }
  if (ratio !== undefined && !(ratio > 0 && ratio <= 1)) {
    throw new CodecError(`topk: ratio = ${ratio} is not in (0, 1]`, 'set ratio to the fraction of coordinates to keep, e.g. 0.01');
  }
  const kFor = (d: number): number => (fixedK !== undefined ? Math.min(fixedK, d) : Math.min(d, ceilOfProduct(ratio!, d)));
  return {
    spec: fixedK !== undefined ? { id: 'topk', k: fixedK } : { id: 'topk', ratio: ratio! },
    initState: () => undefined,
    encode(v) {
      checkFiniteInput('topk', v);
      const d = v.length;
      const k = kFor(d);
      const idx = topKIndices(v, k);
      const values = new Uint8Array(4 * k);
      const view = viewOf(values);
      const decoded = new Float32Array(d);
      for (let j = 0; j < k; j++) {
        const x = v[idx[j]!]!;
        view.setFloat32(4 * j, x, true);
        decoded[idx[j]!] = x;
      }
      const w = new BitWriter(4 * k + 16);
      w.writeBitsFrom(values);
      writeSparseIndex(w, idx, d);
      const payloadBits = w.bitLength;
      return { body: w.finish(), payloadBits, decoded };
    },
    decode(body, dim) {
      checkDim('topk', dim);
      const k = kFor(dim);
      checkBodyAtLeast('topk', body, 4 * k, `${k} float32 values`);
      const view = viewOf(body);
      const values = new Float32Array(k);
      for (let j = 0; j < k; j++) values[j] = view.getFloat32(4 * j, true);
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new CodecError(`topk: value #${bad} is ${values[bad]}, not finite`);
      const r = new BitReader(body);
      r.skipBits(32 * k);
      const idx = readSparseIndex(r, dim);
      if (idx.length !== k) throw new CodecError(`topk: message keeps ${idx.length} coordinates, expected ${k} of ${dim}`);
      if (r.bitsRemaining >= 8) throw new CodecError(`topk: ${r.bitsRemaining} bits left after the positions (wrong dimension or trailing bytes)`);
      const out = new Float32Array(dim);
      for (let j = 0; j < k; j++) out[idx[j]!] = values[j]!;
      return out;
    },
  };
}

/**
 * ⌈ratio·d⌉ of the decimal ratio the user wrote: the binary product can land a hair above
 * an integer (0.07·100 = 7.000000000000001), and a bare ceiling would keep one extra
 * coordinate (8 of 100).
 */
function ceilOfProduct(ratio: number, d: number): number {
  const x = ratio * d;
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= 1e-9 * Math.max(1, x) ? nearest : Math.ceil(x);
}
