import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput, readFiniteF32, viewOf } from './checks.js';
import { fixedByteLength, packFixed, unpackFixed } from '../bits/fixed-width.js';
import { CodecError } from '../errors.js';
import { minMax } from '../quantizers/range.js';
import { ditherMinMax, malcomTau, undither } from '../quantizers/dither.js';

export type MalcomSpec = {
  readonly id: 'malcom';
  /** quantization levels L (paper: 8); symbols 0..L plus a dedicated zero */
  readonly levels: number;
  /** 'paper' applies the 1/τ shrink (τ = 1 + d/L²) Lemma 1 needs; 'none' is unbiased */
  readonly shrink?: 'paper' | 'none';
};

const SIDE_BYTES = 8;
const MAX_LEVELS = 65533;

/**
 * MALCOM-PSGD residual quantizer (paper 002, ALGORITHMS.md §3). Stateless: the algorithm
 * quantizes z − y and adds the decoded q to its replicas. Body = m, r (float32) ‖ symbols,
 * fixed-width ⌈log2(L + 2)⌉ bits each: 64 + d·⌈log2(L + 2)⌉ payload bits.
 */
export function createMalcom(spec: MalcomSpec): CodecCompressor<void> {
  const L = spec.levels;
  if (!Number.isInteger(L) || L < 1 || L > MAX_LEVELS) {
    throw new CodecError(`malcom: levels = ${String(L)} is not an integer in 1..${MAX_LEVELS}`,
      'set levels to the number of quantization levels, e.g. { id: \'malcom\', levels: 8 } as in the paper');
  }
  const shrink = spec.shrink ?? 'paper';
  if (shrink !== 'paper' && shrink !== 'none') {
    throw new CodecError(`malcom: shrink = ${String(shrink)} is not 'paper' or 'none'`, 'use shrink: paper (default) or none');
  }
  const width = Math.ceil(Math.log2(L + 2));
  const tauOf = (d: number): number => (shrink === 'paper' ? malcomTau(d, L) : 1);
  return {
    spec: { id: 'malcom', levels: L, shrink },
    initState: () => undefined,
    encode(p, _state, rng) {
      checkFiniteInput('malcom', p);
      const d = p.length;
      const mm = d === 0 ? { min: 0, max: 0 } : minMax(p);
      const m = Math.fround(mm.min);
      const r = Math.fround(Math.fround(mm.max) - m);
      const sym = ditherMinMax(p, m, r, L, rng, new Uint16Array(d));
      const packed = packFixed(sym, width);
      const body = new Uint8Array(SIDE_BYTES + packed.length);
      const view = viewOf(body);
      view.setFloat32(0, m, true);
      view.setFloat32(4, r, true);
      body.set(packed, SIDE_BYTES);
      const decoded = undither(sym, m, r, L, tauOf(d), new Float32Array(d));
      return { body, payloadBits: 64 + width * d, decoded };
    },
    decode(body, dim) {
      checkDim('malcom', dim);
      checkBodyLength('malcom', body, SIDE_BYTES + fixedByteLength(dim, width), dim);
      const view = viewOf(body);
      const m = readFiniteF32('malcom', view, 0, 'min m');
      const r = readFiniteF32('malcom', view, 4, 'range r');
      if (r < 0) throw new CodecError(`malcom: side info range r = ${r} is negative`);
      const sym = unpackFixed(body.subarray(SIDE_BYTES), dim, width, new Uint16Array(dim));
      for (let i = 0; i < dim; i++) {
        if (sym[i]! > L + 1) throw new CodecError(`malcom: symbol ${sym[i]} at index ${i} is outside 0..${L + 1}`);
      }
      return undither(sym, m, r, L, tauOf(dim), new Float32Array(dim));
    },
  };
}
