import type { CodecCompressor } from './compressor.js';
import { checkBodyAtLeast, checkDim, checkFiniteInput, readFiniteF32, viewOf, withSideInfo } from './checks.js';
import { checkCoder, decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';
import { minMax } from '../quantizers/range.js';
import { ditherMinMax, malcomTau, undither } from '../quantizers/dither.js';

export type MalcomSpec = {
  readonly id: 'malcom';
  /** quantization levels L (paper: 8); symbols 0..L plus a dedicated zero */
  readonly levels: number;
  /**
   * 'paper': the receiver scales by 1/τ, τ = 1 + d/L² (eq. 6, the L²/(L² + d) factor Lemma 1
   * needs; ≈ 10⁻⁴ at d = 669,706, L = 8); 'none': no shrink, unbiased. Unset: MALCOM_DEFAULT_SHRINK.
   */
  readonly shrink?: MalcomShrink;
  /** symbol coder: 'malcom' (default, paper 002 Algorithm 3), 'fixed' or 'rans' */
  readonly coder?: SymbolCoder;
};

export const MALCOM_SHRINKS = ['paper', 'none'] as const;
export type MalcomShrink = (typeof MALCOM_SHRINKS)[number];

/**
 * The shrink of a spec that names none. Which setting lets MALCOM-PSGD reach the paper's
 * accuracy cut-off is settled by the reproduction (docs/reproductions.md); flip it here.
 * Every encoded spec names its shrink explicitly (it travels in the envelope), so the
 * default never changes how a received message decodes.
 */
export const MALCOM_DEFAULT_SHRINK: MalcomShrink = 'paper';

const SIDE_BYTES = 8;
const MAX_LEVELS = 65533;

/**
 * MALCOM-PSGD residual quantizer (paper 002). Stateless: the algorithm
 * quantizes z − y and adds the decoded q to its replicas. Body = m, r (float32) ‖ symbols
 * (alphabet L + 2) coded by the MALCOM coder (default), fixed-width ⌈log2(L + 2)⌉ bits
 * each (64 + d·⌈log2(L + 2)⌉ payload bits) or rANS.
 */
export function createMalcom(spec: MalcomSpec): CodecCompressor<void> {
  const L = spec.levels;
  if (!Number.isInteger(L) || L < 1 || L > MAX_LEVELS) {
    throw new CodecError(`malcom: levels = ${String(L)} is not an integer in 1..${MAX_LEVELS}`,
      'set levels to the number of quantization levels, e.g. { id: \'malcom\', levels: 8 } as in the paper');
  }
  const shrink = spec.shrink ?? MALCOM_DEFAULT_SHRINK;
  if (!(MALCOM_SHRINKS as readonly string[]).includes(shrink)) {
    throw new CodecError(`malcom: shrink = ${String(shrink)} is not 'paper' or 'none'`, `use shrink: paper or none (default ${MALCOM_DEFAULT_SHRINK})`);
  }
  const coder = checkCoder('malcom', spec.coder ?? 'malcom');
  const tauOf = (d: number): number => (shrink === 'paper' ? malcomTau(d, L) : 1);
  return {
    spec: coder === 'malcom' ? { id: 'malcom', levels: L, shrink } : { id: 'malcom', levels: L, shrink, coder },
    initState: () => undefined,
    encode(p, _state, rng) {
      checkFiniteInput('malcom', p);
      const d = p.length;
      const mm = d === 0 ? { min: 0, max: 0 } : minMax(p);
      const m = Math.fround(mm.min);
      const r = Math.fround(Math.fround(mm.max) - m);
      const sym = ditherMinMax(p, m, r, L, rng, new Uint16Array(d));
      const coded = encodeSymbols(sym, L + 2, coder);
      const body = withSideInfo(SIDE_BYTES, coded.bytes, (view) => {
        view.setFloat32(0, m, true);
        view.setFloat32(4, r, true);
      });
      const decoded = undither(sym, m, r, L, tauOf(d), new Float32Array(d));
      return { body, payloadBits: 64 + coded.bits, decoded };
    },
    decode(body, dim) {
      checkDim('malcom', dim);
      checkBodyAtLeast('malcom', body, SIDE_BYTES, 'the 8-byte side info');
      const view = viewOf(body);
      const m = readFiniteF32('malcom', view, 0, 'min m');
      const r = readFiniteF32('malcom', view, 4, 'range r');
      if (r < 0) throw new CodecError(`malcom: side info range r = ${r} is negative`);
      if (!Number.isFinite(Math.fround(m + r))) throw new CodecError(`malcom: side info max m + r = ${m + r} overflows float32`);
      const sym = decodeSymbols('malcom', body.subarray(SIDE_BYTES), dim, L + 2, coder);
      return undither(sym, m, r, L, tauOf(dim), new Float32Array(dim));
    },
  };
}
