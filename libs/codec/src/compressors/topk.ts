import type { CodecCompressor } from './compressor.js';
import { checkBodyAtLeast, checkDim, checkFiniteInput, viewOf } from './checks.js';
import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { packFixed, readFixed } from '../bits/fixed-width.js';
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

const HEAD_BYTES = 5;
const BITMAP = 0;
const POSITIONS = 1;

/**
 * Top-k sparsification: the k largest |v_i| as float32 plus their positions. Body =
 * k (uint32) ‖ index form (uint8) ‖ k float32 values ‖ positions, where positions are a
 * d-bit bitmap or k fixed-width ⌈log2 d⌉-bit indices, whichever is smaller.
 * Payload = 40 + 32k + min(d, k·⌈log2 d⌉) bits. Biased: pair with error feedback.
 */
export function createTopK(spec: TopKSpec): CodecCompressor<void> {
  const { k: fixedK, ratio } = spec;
  if ((fixedK === undefined) === (ratio === undefined)) {
    throw new CodecError('topk: give exactly one of k or ratio', 'e.g. { id: \'topk\', ratio: 0.01 } or { id: \'topk\', k: 1000 }');
  }
  if (fixedK !== undefined && (!Number.isInteger(fixedK) || fixedK < 0)) {
    throw new CodecError(`topk: k = ${fixedK} is not a non-negative integer`, 'set k to the number of coordinates to keep');
  }
  if (ratio !== undefined && !(ratio > 0 && ratio <= 1)) {
    throw new CodecError(`topk: ratio = ${ratio} is not in (0, 1]`, 'set ratio to the fraction of coordinates to keep, e.g. 0.01');
  }
  const kFor = (d: number): number => (fixedK !== undefined ? Math.min(fixedK, d) : Math.min(d, Math.ceil(ratio! * d)));
  return {
    spec: fixedK !== undefined ? { id: 'topk', k: fixedK } : { id: 'topk', ratio: ratio! },
    initState: () => undefined,
    encode(v) {
      checkFiniteInput('topk', v);
      const d = v.length;
      const k = kFor(d);
      const idx = topKIndices(v, k);
      const width = indexWidth(d);
      const form = d <= k * width ? BITMAP : POSITIONS;
      const w = new BitWriter(HEAD_BYTES + 4 * k + 16);
      const head = new Uint8Array(HEAD_BYTES + 4 * k);
      const view = viewOf(head);
      view.setUint32(0, k, true);
      view.setUint8(4, form);
      const decoded = new Float32Array(d);
      for (let j = 0; j < k; j++) {
        const x = v[idx[j]!]!;
        view.setFloat32(HEAD_BYTES + 4 * j, x, true);
        decoded[idx[j]!] = x;
      }
      w.writeBitsFrom(head);
      if (form === BITMAP) {
        const bits = new Uint8Array(d);
        for (let j = 0; j < k; j++) bits[idx[j]!] = 1;
        w.writeBitsFrom(packFixed(bits, 1), d);
      } else {
        // widths reach ⌈log2 2^28⌉ = 28 > 16, beyond packFixed: one writeBits per position
        for (let j = 0; j < k; j++) w.writeBits(idx[j]!, width);
      }
      const payloadBits = w.bitLength;
      return { body: w.finish(), payloadBits, decoded };
    },
    decode(body, dim) {
      checkDim('topk', dim);
      checkBodyAtLeast('topk', body, HEAD_BYTES, 'the 5-byte header');
      const view = viewOf(body);
      const k = view.getUint32(0, true);
      const form = view.getUint8(4);
      if (k > dim || k !== kFor(dim)) throw new CodecError(`topk: message keeps ${k} coordinates, expected ${kFor(dim)} of ${dim}`);
      if (form !== BITMAP && form !== POSITIONS) throw new CodecError(`topk: unknown index form ${form}`);
      const width = indexWidth(dim);
      const indexBits = form === BITMAP ? dim : k * width;
      const expected = Math.ceil((8 * (HEAD_BYTES + 4 * k) + indexBits) / 8);
      if (body.length !== expected) throw new CodecError(`topk: body is ${body.length} bytes, expected ${expected} for k = ${k} of ${dim}`);
      const values = new Float32Array(k);
      for (let j = 0; j < k; j++) values[j] = view.getFloat32(HEAD_BYTES + 4 * j, true);
      const bad = firstNonFinite(values);
      if (bad >= 0) throw new CodecError(`topk: value #${bad} is ${values[bad]}, not finite`);
      const r = new BitReader(body);
      r.skipBits(8 * (HEAD_BYTES + 4 * k));
      const out = new Float32Array(dim);
      if (form === BITMAP) {
        const bits = readFixed(r, dim, 1, new Uint8Array(dim));
        let j = 0;
        for (let i = 0; i < dim; i++) {
          if (bits[i] === 0) continue;
          if (j >= k) throw new CodecError(`topk: bitmap marks more than k = ${k} coordinates`);
          out[i] = values[j++]!;
        }
        if (j !== k) throw new CodecError(`topk: bitmap marks ${j} coordinates, header says ${k}`);
      } else {
        let prev = -1;
        for (let j = 0; j < k; j++) {
          const i = r.readBits(width);
          if (i <= prev || i >= dim) throw new CodecError(`topk: position ${i} (#${j}) is out of order or ≥ ${dim}`);
          out[i] = values[j]!;
          prev = i;
        }
      }
      return out;
    },
  };
}

/** Bits of one position in 0..d−1 (at least 1). */
function indexWidth(d: number): number {
  return Math.max(1, Math.ceil(Math.log2(d)));
}
