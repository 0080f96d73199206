import type { CodecCompressor } from './compressor.js';
import { checkBodyAtLeast, checkDim, checkFiniteInput, f32le, readFiniteF32, viewOf, withSideInfo } from './checks.js';
import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { padWithOnes, readQsgdPerCoordinate, readQsgdRuns, writeQsgdPerCoordinate, writeQsgdRuns } from '../coders/qsgd-elias.js';
import { CodecError } from '../errors.js';
import { RANS_MAX_ALPHABET, decodeRans, encodeRans } from '../coders/rans.js';
import type { Rng } from '@edgefl/core';
import type { EncodeResult } from '../types.js';

export type QsgdSpec = {
  readonly id: 'qsgd';
  /** quantization levels s (levels of |v_i|/‖v‖ are multiples of 1/s) */
  readonly levels: number;
  /**
   * CHOCO-SGD's rescaled variant (paper 002): divide by τ = 1 + min(d/s², √d/s), which makes
   * Q contractive (biased). Off by default (plain QSGD is unbiased); CHOCO configurations set it.
   */
  readonly rescale?: boolean;
  /**
   * 'elias' (default): QSGD's own coding — Elias-ω run lengths between non-zero levels, then
   * sign and Elias-ω level; 'per-coordinate': ω(|l| + 1) and a sign bit for every coordinate
   * (edgefl's earlier form, 13× larger at d = 669,706, s = 8); 'rans': signed levels −s..s rANS coded.
   */
  readonly coder?: QsgdCoder;
};

export const QSGD_CODERS = ['elias', 'per-coordinate', 'rans'] as const;
export type QsgdCoder = (typeof QSGD_CODERS)[number];

const SIDE_BYTES = 4;
const MAX_LEVELS = 1 << 24;

/**
 * QSGD (Alistarh et al. 2017): ‖v‖₂ as float32, then the stochastic levels l_i ∈ {0..s} of
 * s|v_i|/‖v‖ (unbiased) with their signs, coded as in the paper (§3.2): for each non-zero
 * level, Elias-ω of the run length to it, a sign bit, Elias-ω of the level.
 * Payload = 32 + Σ_{l_i ≠ 0} (|ω(r_i)| + 1 + |ω(|l_i|)|) bits (see coders/qsgd-elias.ts).
 * `rescale` is the CHOCO paper's (paper 002) variant Q/τ, τ = 1 + min(d/s², √d/s).
 */
export function createQsgd(spec: QsgdSpec): CodecCompressor<void> {
  const s = spec.levels;
  if (!Number.isInteger(s) || s < 1 || s > MAX_LEVELS) {
    throw new CodecError(`qsgd: levels = ${String(s)} is not an integer in 1..${MAX_LEVELS}`,
      'set levels to the number of quantization levels s, e.g. { id: \'qsgd\', levels: 16 }');
  }
  const rescale = spec.rescale ?? false;
  const coder = spec.coder ?? 'elias';
  if (!(QSGD_CODERS as readonly string[]).includes(coder)) {
    throw new CodecError(`qsgd: coder = ${String(coder)} is not one of ${QSGD_CODERS.join(', ')}`, "use coder: 'elias' (the paper's), 'per-coordinate' or 'rans'");
  }
  if (coder === 'rans' && 2 * s + 1 > RANS_MAX_ALPHABET) {
    throw new CodecError(`qsgd: levels = ${s} is too many for the rANS coder (at most ${(RANS_MAX_ALPHABET - 1) / 2})`, 'use fewer levels or coder: elias');
  }
  const tauOf = (d: number): number => (rescale ? 1 + Math.min(d / (s * s), Math.sqrt(d) / s) : 1);
  /**
   * Stochastic signed levels: l_i = ⌊s|v_i|/‖v‖⌋ + Bernoulli(frac), so E[l_i] = s|v_i|/‖v‖
   * (unbiased), times sign(v_i). One uniform draw per coordinate, in index order.
   */
  function signedLevels(v: Float32Array, norm: number, rng: Rng): Int32Array {
    const d = v.length;
    const out = new Int32Array(d);
    const k = norm > 0 ? s / norm : 0;
    for (let i = 0; i < d; i++) {
      const x = v[i]!;
      const c = Math.abs(x) * k;
      let l = Math.floor(c);
      if (rng.nextFloat32() < c - l) l++;
      if (l > s) l = s;
      out[i] = x < 0 ? -l : l;
    }
    return out;
  }

  /** Signed levels −s..s shifted to symbols 0..2s, rANS coded after the norm. */
  function encodeRansForm(levels: Int32Array, norm: number): EncodeResult {
    const d = levels.length;
    const sym = new Uint16Array(d);
    for (let i = 0; i < d; i++) sym[i] = s + levels[i]!;
    const coded = encodeRans(sym, 2 * s + 1);
    const body = withSideInfo(SIDE_BYTES, coded.bytes, (view) => view.setFloat32(0, norm, true));
    return { body, payloadBits: 32 + coded.bits, decoded: reconstruct(levels, norm) };
  }

  /** The receiver's view: a · l_i with a = ‖v‖/(s·τ). */
  function reconstruct(levels: Int32Array, norm: number): Float32Array {
    const a = norm / s / tauOf(levels.length);
    const out = new Float32Array(levels.length);
    for (let i = 0; i < levels.length; i++) out[i] = a * levels[i]!;
    return out;
  }

  function decodeRansForm(body: Uint8Array, dim: number, norm: number): Float32Array {
    const sym = decodeRans(body.subarray(SIDE_BYTES), dim, 2 * s + 1);
    const a = norm / s / tauOf(dim);
    const out = new Float32Array(dim);
    for (let i = 0; i < dim; i++) out[i] = a * (sym[i]! - s);
    return out;
  }

  return {
    spec: coder === 'elias' ? { id: 'qsgd', levels: s, rescale } : { id: 'qsgd', levels: s, rescale, coder },
    initState: () => undefined,
    encode(v, _state, rng) {
      checkFiniteInput('qsgd', v);
      const d = v.length;
      let ss = 0;
      for (let i = 0; i < d; i++) ss += v[i]! * v[i]!;
      const norm = Math.fround(Math.sqrt(ss));
      const levels = signedLevels(v, norm, rng);
      if (coder === 'rans') return encodeRansForm(levels, norm);
      const w = new BitWriter(coder === 'elias' ? d / 16 + 16 : d / 2 + 16);
      w.writeBitsFrom(f32le(norm), 32);
      if (coder === 'elias') writeQsgdRuns(w, levels);
      else writeQsgdPerCoordinate(w, levels);
      const decoded = reconstruct(levels, norm);
      const payloadBits = w.bitLength;
      return { body: padWithOnes(w.finish(), payloadBits), payloadBits, decoded };
    },
    decode(body, dim) {
      checkDim('qsgd', dim);
      checkBodyAtLeast('qsgd', body, SIDE_BYTES, 'the 32-bit norm');
      const norm = readFiniteF32('qsgd', viewOf(body), 0, 'norm');
      if (norm < 0) throw new CodecError(`qsgd: side info norm ${norm} is negative`);
      if (coder === 'rans') return decodeRansForm(body, dim, norm);
      const r = new BitReader(body);
      r.skipBits(32);
      // per coordinate, every coordinate costs at least one bit: reject impossible dims before
      // allocating (the runs form codes zeros for free; the envelope bounds dim)
      if (coder === 'per-coordinate' && dim > r.bitsRemaining) {
        throw new CodecError(`qsgd: ${dim} coordinates cannot fit in ${r.bitsRemaining} bits (truncated message or wrong dimension)`);
      }
      const out = new Float32Array(dim);
      const a = norm / s / tauOf(dim);
      if (coder === 'elias') readQsgdRuns('qsgd', r, s, a, out);
      else readQsgdPerCoordinate('qsgd', r, s, a, out);
      return out;
    },
  };
}
