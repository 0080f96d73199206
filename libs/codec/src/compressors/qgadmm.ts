import type { CodecCompressor } from './compressor.js';
import type { CodecSpec } from '../types.js';
import { checkBodyLength, checkDim, checkFiniteInput, checkStateDim, readFiniteF32, viewOf, withSideInfo } from './checks.js';
import { checkWidth } from './uniform.js';
import { checkCoder, decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';
import { firstNonFinite, maxAbsDiff } from '../quantizers/range.js';
import { stochasticRound } from '../quantizers/stochastic-round.js';
import { quantizePackStochastic, unpackDequantize } from '../quantizers/fused-uniform.js';
import { fixedByteLength } from '../bits/fixed-width.js';

export type QGadmmSpec = {
  readonly id: 'qgadmm';
  /** bits per coordinate (1..16), or 'auto' for the non-increasing step-size rule */
  readonly bits: number | 'auto';
  /** with bits 'auto': bits of the first message, before any Δ exists (default 2) */
  readonly initBits?: number;
  /** with bits 'auto': cap on b_k (default 16) */
  readonly maxBits?: number;
  /** symbol coder (default 'fixed': the paper's b·d + 64 bits) */
  readonly coder?: SymbolCoder;
};

/**
 * Shared reference of one sender, held identically by the sender and each receiver:
 * θ̂^{k−1} (starts at 0) and the previous step Δ_{k−1} (for 'auto').
 * encode() and decode() advance it to θ̂^k, so both ends stay bit-identical as long as
 * every message is delivered once, in order.
 */
export interface QGadmmState {
  readonly ref: Float32Array;
  /** Δ of the last message; NaN before the first */
  step: number;
}

const SIDE_BYTES = 8;

/**
 * Q-GADMM stochastic quantizer (Elgabli et al., paper 000, Sec. III):
 * R = ‖θ − θ̂^{k−1}‖∞, Δ = 2R/(2^b − 1), q_i = stochastic round of (θ_i − θ̂_i^{k−1} + R)/Δ,
 * receiver θ̂^k = θ̂^{k−1} + Δ·q − R. Body = R (float32) ‖ b (uint32) ‖ b·d packed bits:
 * b·d + 64 payload bits, exactly as the paper counts.
 */
export function createQGadmm(spec: QGadmmSpec): CodecCompressor<QGadmmState> {
  const auto = spec.bits === 'auto';
  const initBits = spec.initBits ?? 2;
  const maxBits = spec.maxBits ?? 16;
  if (auto) {
    checkWidth('qgadmm', initBits);
    checkWidth('qgadmm', maxBits);
  } else checkWidth('qgadmm', spec.bits);
  const fixedBits = auto ? 0 : (spec.bits as number);
  const coder = checkCoder('qgadmm', spec.coder ?? 'fixed');
  const base: CodecSpec = auto ? { id: 'qgadmm', bits: 'auto', initBits, maxBits } : { id: 'qgadmm', bits: fixedBits };
  const wire: CodecSpec = coder === 'fixed' ? base : { ...base, coder };

  /**
   * b_k ≥ ⌈log2(1 + 2R_k/Δ_{k−1})⌉ keeps Δ_k ≤ Δ_{k−1} (the condition of the paper's Theorem).
   * log2 rounds: when 2R_k/Δ_{k−1} is a hair above 2^b − 1, 1 + 2R_k/Δ_{k−1} rounds to 2^b and
   * the ceiling is one bit short, so the b is checked against the Δ_k encode() will compute.
   */
  function chooseBits(R: number, prevStep: number): number {
    if (!auto) return fixedBits;
    if (!(prevStep > 0)) return initBits;
    let b = Math.ceil(Math.log2(1 + (2 * R) / prevStep));
    if (b < maxBits && (2 * R) / ((1 << b) - 1) > prevStep) b++;
    return b < 1 ? 1 : b > maxBits ? maxBits : b;
  }

  return {
    spec: wire,
    initState: (dim) => {
      checkDim('qgadmm', dim);
      return { ref: new Float32Array(dim), step: NaN };
    },
    encode(v, state, rng) {
      const d = v.length;
      checkState(state, d);
      const ref = state.ref;
      const Rd = maxAbsDiff(v, ref);
      if (!Number.isFinite(Rd)) {
        checkFiniteInput('qgadmm', v); // names the offending index
        throw new CodecError('qgadmm: the reference θ̂ in the state is not finite', 'create the state with initState(dim) and never modify it by hand');
      }
      const R = Math.fround(Rd);
      if (!Number.isFinite(R)) throw new CodecError(`qgadmm: residual norm ${Rd} overflows float32`, 'the model diverged; lower the learning rate or resynchronise with a keyframe');
      const b = chooseBits(R, state.step);
      const maxLevel = (1 << b) - 1;
      const step = (2 * R) / maxLevel;
      const next = new Float32Array(d);
      let coded: { bytes: Uint8Array; bits: number };
      if (coder === 'fixed') {
        coded = { bytes: quantizePackStochastic(v, -R, step, b, rng, next, ref), bits: b * d };
      } else {
        const diff = new Float32Array(d);
        for (let i = 0; i < d; i++) diff[i] = v[i]! - ref[i]!;
        const q = stochasticRound(diff, -R, step, maxLevel, rng, new Uint16Array(d));
        reconstruct(ref, q, R, step, next);
        coded = encodeSymbols(q, maxLevel + 1, coder);
      }
      const body = withSideInfo(SIDE_BYTES, coded.bytes, (view) => {
        view.setFloat32(0, R, true);
        view.setUint32(4, b, true);
      });
      return { body, payloadBits: 64 + coded.bits, decoded: commit(state, next, step) };
    },
    decode(body, dim, state) {
      checkDim('qgadmm', dim);
      checkState(state, dim);
      if (body.length < SIDE_BYTES) {
        throw new CodecError(`qgadmm: body is ${body.length} bytes, too short for the 8-byte side info (truncated message)`);
      }
      const view = viewOf(body);
      const R = readFiniteF32('qgadmm', view, 0, 'R');
      if (R < 0) throw new CodecError(`qgadmm: side info R = ${R} is negative (R is a norm)`);
      const b = view.getUint32(4, true);
      if (b < 1 || b > 16 || (!auto && b !== fixedBits) || (auto && b > maxBits)) {
        throw new CodecError(`qgadmm: message uses ${b} bits per coordinate, expected ${auto ? `1..${maxBits}` : fixedBits}`);
      }
      const step = (2 * R) / ((1 << b) - 1);
      const next = new Float32Array(dim);
      if (coder === 'fixed') {
        checkBodyLength('qgadmm', body, SIDE_BYTES + fixedByteLength(dim, b), dim);
        // the fused loop reports float32 overflow itself, sparing commit() a pass
        const finite = unpackDequantize(body.subarray(SIDE_BYTES), b, -R, step, next, state.ref);
        return commit(state, next, step, finite);
      }
      const q = decodeSymbols('qgadmm', body.subarray(SIDE_BYTES), dim, 1 << b, coder);
      reconstruct(state.ref, q, R, step, next);
      return commit(state, next, step);
    },
  };
}

/** θ̂^k = θ̂^{k−1} + (−R + Δ·q) into `next` (the same arithmetic as the fused fixed-width path). */
function reconstruct(ref: Float32Array, q: Uint8Array | Uint16Array, R: number, step: number, next: Float32Array): void {
  for (let i = 0; i < ref.length; i++) next[i] = ref[i]! + (-R + step * q[i]!);
}

/**
 * Makes θ̂^k the reference once it is checked finite: a hostile message can neither
 * overflow the state to ∞ nor leave it half-updated. Returns θ̂^k (a copy the caller may keep).
 */
function commit(state: QGadmmState, next: Float32Array, step: number, knownFinite = false): Float32Array {
  const bad = knownFinite ? -1 : firstNonFinite(next);
  if (bad >= 0) {
    throw new CodecError(`qgadmm: message would move θ̂ at index ${bad} to ${next[bad]} (float32 overflow)`,
      'the sender\'s update is out of float32 range or the message is corrupted; resynchronise with a keyframe');
  }
  state.ref.set(next);
  // A message with R = 0 carries no new scale; keep the previous Δ so the rule stays meaningful.
  if (step > 0) state.step = step;
  return next;
}

function checkState(state: QGadmmState | undefined, dim: number): void {
  if (!state || !(state.ref instanceof Float32Array)) {
    throw new CodecError('qgadmm: missing state (the shared reference θ̂)', 'create it with compressor.initState(dim) on both ends');
  }
  checkStateDim('qgadmm', 'reference θ̂', state.ref.length, dim);
}
