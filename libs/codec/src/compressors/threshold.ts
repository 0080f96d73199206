import type { CodecCompressor } from './compressor.js';
import { checkCoder, type SymbolCoder } from './symbol-stage.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { TERN_NEG, TERN_POS, decodeTernaryDense, decodeTernarySparse, encodeTernaryDense, encodeTernarySparse, expandTernary } from './ternary-body.js';
import { CodecError } from '../errors.js';
import { approxThreshold, optimalThreshold } from '../quantizers/threshold.js';

export type ThresholdSpec = {
  readonly id: 'threshold';
  /** 'optimal' = Δ* by sort and scan; 'approx' = 0.75·mean|v| */
  readonly threshold?: 'optimal' | 'approx';
  /** 'dense' = 32 + 2d bits; 'sparse' = 32 + d + 2k bits (indicator + kept codes) */
  readonly form?: 'dense' | 'sparse';
  /** coder of the dense form's ternary symbols (default 'fixed': 2 bits each) */
  readonly coder?: SymbolCoder;
};

/** Threshold ternary quantizer (paper 003, ALGORITHMS.md §4). Deterministic, stateless. */
export function createThreshold(spec: ThresholdSpec): CodecCompressor<void> {
  const mode = spec.threshold ?? 'optimal';
  const form = spec.form ?? 'dense';
  if (mode !== 'optimal' && mode !== 'approx') {
    throw new CodecError(`threshold: threshold = ${String(mode)} is not 'optimal' or 'approx'`, 'use threshold: optimal (sort and scan) or approx (0.75·mean|v|)');
  }
  if (form !== 'dense' && form !== 'sparse') {
    throw new CodecError(`threshold: form = ${String(form)} is not 'dense' or 'sparse'`, 'use form: dense (32 + 2d bits) or sparse (32 + d + 2k bits)');
  }
  const coder = checkCoder('threshold', spec.coder ?? 'fixed');
  if (coder !== 'fixed' && form === 'sparse') {
    throw new CodecError(`threshold: coder ${coder} applies to the dense form only`, 'drop coder, or use form: dense');
  }
  return {
    spec: coder === 'fixed' ? { id: 'threshold', threshold: mode, form } : { id: 'threshold', threshold: mode, form, coder },
    initState: () => undefined,
    encode(v) {
      checkFiniteInput('threshold', v);
      const d = v.length;
      const t = mode === 'optimal' ? optimalThreshold(v) : approxThreshold(v);
      const scale = Math.fround(t.scale);
      const codes = new Uint8Array(d);
      for (let i = 0; i < d; i++) {
        const x = v[i]!;
        if (Math.abs(x) > t.delta) codes[i] = x < 0 ? TERN_NEG : TERN_POS;
      }
      const { body, payloadBits } = form === 'dense' ? encodeTernaryDense(scale, codes, coder) : encodeTernarySparse(scale, codes);
      return { body, payloadBits, decoded: expandTernary(scale, codes, new Float32Array(d)) };
    },
    decode(body, dim) {
      checkDim('threshold', dim);
      const { scale, codes } = form === 'dense' ? decodeTernaryDense('threshold', body, dim, coder) : decodeTernarySparse('threshold', body, dim);
      return expandTernary(scale, codes, new Float32Array(dim));
    },
  };
}
