import type { CodecCompressor } from './compressor.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { checkCoder, decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { fixedByteLength, packFixed, unpackFixed } from '../bits/fixed-width.js';
import { CodecError } from '../errors.js';
import { scalarDequantize, scalarQuantize } from '../quantizers/scalar-uniform.js';

export type DqSpec = {
  readonly id: 'dq';
  /** R bits per dimension (1..32; above 16 only with the 'fixed' coder) */
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
  if (typeof R !== 'number' || !Number.isInteger(R) || R < 1 || R > 32) {
    throw new CodecError(`dq: bits = ${String(R)} is not an integer in 1..32`, "set the codec's bits to an integer between 1 and 32, e.g. { id: 'dq', bits: 4 }");
  }
  const coder = checkCoder('dq', spec.coder ?? 'fixed');
  if (R > 16) {
    if (coder !== 'fixed') throw new CodecError(`dq: bits = ${R} needs coder 'fixed' (entropy coders take at most 16-bit symbols)`, "drop the coder or use bits ≤ 16");
    return createWideDq(R);
  }
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

/**
 * DQ above 16 bits per dimension (up to 32, where DQ-GD is GD to float32 precision): the
 * same quantizer with cell indices in a Uint32Array, packed as R-bit words (hi and lo halves
 * of each index, so the body is exactly n·R bits).
 */
function createWideDq(R: number): CodecCompressor<DqState> {
  const loBits = 16;
  const hiBits = R - 16;
  const cells = 2 ** R;
  return {
    spec: { id: 'dq', bits: R },
    initState: () => ({ range: 1, overload: 0 }),
    encode(u, state) {
      const r = checkRange(state);
      checkFiniteInput('dq', u);
      const n = u.length;
      const hi = new Uint16Array(n);
      const lo = new Uint16Array(n);
      const k = cells / 2 / r;
      const decoded = new Float32Array(n);
      const step = (2 * r) / cells;
      let overload = 0;
      for (let i = 0; i < n; i++) {
        let j = Math.floor(u[i]! * k + cells / 2);
        if (j < 0) { j = 0; overload++; }
        else if (j >= cells) { if (u[i]! > r) overload++; j = cells - 1; }
        hi[i] = Math.floor(j / 65536);
        lo[i] = j % 65536;
        decoded[i] = -r + step / 2 + step * j;
      }
      state.overload = overload;
      const hb = packFixed(hi, hiBits);
      const lb = packFixed(lo, loBits);
      const body = new Uint8Array(hb.length + lb.length);
      body.set(hb, 0);
      body.set(lb, hb.length);
      return { body, payloadBits: R * n, decoded };
    },
    decode(body, dim, state) {
      checkDim('dq', dim);
      const r = checkRange(state);
      const hn = fixedByteLength(dim, hiBits);
      const need = hn + fixedByteLength(dim, loBits);
      if (body.length !== need) throw new CodecError(`dq: ${dim} indices of ${R} bits need ${need} bytes, the body has ${body.length}`);
      const hi = unpackFixed(body.subarray(0, hn), dim, hiBits, new Uint16Array(dim));
      const lo = unpackFixed(body.subarray(hn), dim, loBits, new Uint16Array(dim));
      const step = (2 * r) / cells;
      const out = new Float32Array(dim);
      for (let i = 0; i < dim; i++) out[i] = -r + step / 2 + step * (hi[i]! * 65536 + lo[i]!);
      return out;
    },
  };
}
