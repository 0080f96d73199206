import type { IndicatedCompressor } from './compressor.js';
import { checkCoder, type SymbolCoder } from './symbol-stage.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { TERN_NEG, TERN_POS, decodeTernaryDense, decodeTernaryIndicated, encodeTernaryDense, encodeTernaryIndicated, expandTernary } from './ternary-body.js';
import { ternaryCompressor } from './ternary-forms.js';
import { CodecError } from '../errors.js';
import { approxThreshold, optimalThreshold } from '../quantizers/threshold.js';

export type ThresholdSpec = {
  readonly id: 'threshold';
  /** 'optimal' = exact Δ* (Eq. 24); 'approx' = 0.75·mean|v| over the selected coordinates */
  readonly threshold?: 'optimal' | 'approx';
  /**
   * 'dense' = 32 + 2d bits; 'sparse' = paper 003's indicated form, 32 + d + 2k bits: the
   * indicator I (the vector's support when `encode` is called, or the one `encodeOn` is
   * given) and a 2-bit code for each of the k selected coordinates.
   */
  readonly form?: 'dense' | 'sparse';
  /** coder of the dense form's ternary symbols (default 'fixed': 2 bits each) */
  readonly coder?: SymbolCoder;
};

/** Threshold ternary quantizer (paper 003, Sec. 3.4–3.5). Deterministic, stateless. */
export function createThreshold(spec: ThresholdSpec): IndicatedCompressor {
  const mode = spec.threshold ?? 'optimal';
  const form = spec.form ?? 'dense';
  if (mode !== 'optimal' && mode !== 'approx') {
    throw new CodecError(`threshold: threshold = ${String(mode)} is not 'optimal' or 'approx'`, 'use threshold: optimal (exact Δ*) or approx (0.75·mean|v|)');
  }
  if (form !== 'dense' && form !== 'sparse') {
    throw new CodecError(`threshold: form = ${String(form)} is not 'dense' or 'sparse'`, 'use form: dense (32 + 2d bits) or sparse (32 + d + 2k bits)');
  }
  const coder = checkCoder('threshold', spec.coder ?? 'fixed');
  if (coder !== 'fixed' && form === 'sparse') {
    throw new CodecError(`threshold: coder ${coder} applies to the dense form only`, 'drop coder, or use form: dense');
  }
  /** Ternary codes of v over the selected coordinates (all when `indicator` is undefined). */
  const quantize = (v: Float32Array, indicator: Uint8Array | undefined): { scale: number; codes: Uint8Array } => {
    const t = mode === 'optimal' ? optimalThreshold(v, indicator) : approxThreshold(v, 0.75, indicator);
    const codes = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (indicator !== undefined && indicator[i] === 0) continue;
      const x = v[i]!;
      if (Math.abs(x) > t.delta) codes[i] = x < 0 ? TERN_NEG : TERN_POS;
    }
    return { scale: Math.fround(t.scale), codes };
  };
  const encodeOn: IndicatedCompressor['encodeOn'] = (v, indicator) => {
    checkFiniteInput('threshold', v);
    if (indicator.length !== v.length) throw new CodecError(`threshold: indicator has ${indicator.length} entries for a ${v.length}-vector`, 'pass one indicator entry per coordinate');
    const { scale, codes } = quantize(v, indicator);
    const { body, payloadBits } = encodeTernaryIndicated([scale], indicator, codes);
    return { body, payloadBits, decoded: expandTernary(scale, codes, new Float32Array(v.length)), indicator };
  };
  const decodeIndicated: IndicatedCompressor['decodeIndicated'] = (body, dim) => {
    checkDim('threshold', dim);
    const { scales, indicator, codes } = decodeTernaryIndicated('threshold', body, dim);
    return { decoded: expandTernary(scales[0]!, codes, new Float32Array(dim)), indicator };
  };
  return ternaryCompressor({
    spec: coder === 'fixed' ? { id: 'threshold', threshold: mode, form } : { id: 'threshold', threshold: mode, form, coder },
    form, encodeOn, decodeIndicated,
    encodeDense(v) {
      checkFiniteInput('threshold', v);
      const { scale, codes } = quantize(v, undefined);
      const { body, payloadBits } = encodeTernaryDense(scale, codes, coder);
      return { body, payloadBits, decoded: expandTernary(scale, codes, new Float32Array(v.length)) };
    },
    decodeDense(body, dim) {
      checkDim('threshold', dim);
      const { scales, codes } = decodeTernaryDense('threshold', body, dim, coder);
      return expandTernary(scales[0]!, codes, new Float32Array(dim));
    },
  });
}
