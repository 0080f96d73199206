import type { CodecCompressor } from './compressor.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { checkWidth } from './uniform.js';
import { checkCoder, decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';
import { scalarDequantize, scalarQuantize } from '../quantizers/scalar-uniform.js';

export type DqSpec = {
  readonly id: 'dq';
  /** R bits per dimension (1..16) */
  readonly bits: number;
  /** symbol coder (default 'fixed': exactly n·R bits) */
  readonly coder?: SymbolCoder;
};

/**
 * Dynamic range shared by sender and receiver: the algorithm (DQ-GD/AGD/HB) sets r_t
 * before each message from its recursion (r_{t+1} = σ^{t+1}·L·D + r_t·ρ_n·2^−R), so no
 * range travels on the wire. `overload` reports coordinates the last encode clipped.
 */
export interface DqState {
  range: number;
  overload: number;
}

/** DQ's q_t(u) = r_t·q(u/r_t) at R bits per dimension: exactly n·R payload bits. */
export function createDq(spec: DqSpec): CodecCompressor<DqState> {
  const R = spec.bits;
  checkWidth('dq', R);
  const coder = checkCoder('dq', spec.coder ?? 'fixed');
  return {
    spec: coder === 'fixed' ? { id: 'dq', bits: R } : { id: 'dq', bits: R, coder },
    initState: () => ({ range: 1, overload: 0 }),
    encode(u, state) {
      const r = checkRange(state);
      checkFiniteInput('dq', u);
      const j = new Uint16Array(u.length);
      state.overload = scalarQuantize(u, r, R, j);
      const coded = encodeSymbols(j, 2 ** R, coder);
      return { body: coded.bytes, payloadBits: coded.bits, decoded: scalarDequantize(j, r, R, new Float32Array(u.length)) };
    },
    decode(body, dim, state) {
      checkDim('dq', dim);
      const r = checkRange(state);
      const j = decodeSymbols('dq', body, dim, 2 ** R, coder);
      return scalarDequantize(j, r, R, new Float32Array(dim));
    },
  };
}

/** Largest finite float32: cell midpoints of a wider range would decode to ±∞. */
const F32_MAX = 3.4028234663852886e38;

function checkRange(state: DqState | undefined): number {
  const r = state?.range;
  if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) {
    throw new CodecError(`dq: dynamic range r_t = ${String(r)} must be a finite positive number`,
      'set state.range from the DQ range recursion (r_0 = L·D) on both ends before encoding/decoding');
  }
  if (r > F32_MAX) {
    throw new CodecError(`dq: dynamic range r_t = ${r} is beyond float32 (${F32_MAX}); the decoded cells would be ±∞`,
      'the range recursion r_{t+1} = σ^{t+1}·L·D + r_t·√n·2^−R diverges when √n·2^−R ≥ 1: raise bits above log2(√n)');
  }
  return r;
}
