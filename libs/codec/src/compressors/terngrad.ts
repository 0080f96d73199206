import type { CodecCompressor } from './compressor.js';
import { checkCoder, type SymbolCoder } from './symbol-stage.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { TERN_NEG, TERN_POS, decodeTernaryDense, encodeTernaryDense, expandTernary } from './ternary-body.js';

export type TernGradSpec = {
  readonly id: 'terngrad';
  /** coder of the ternary symbols (default 'fixed': 2 bits each) */
  readonly coder?: SymbolCoder;
};

/**
 * TernGrad (Wen et al. 2017; the baseline of paper 003, ALGORITHMS.md §4): s = max|v|,
 * t_i = sign(v_i) with probability |v_i|/s, else 0, so E[s·t_i] = v_i. 32 + 2d bits.
 */
export function createTernGrad(spec: TernGradSpec = { id: 'terngrad' }): CodecCompressor<void> {
  const coder = checkCoder('terngrad', spec.coder ?? 'fixed');
  return {
    spec: coder === 'fixed' ? { id: 'terngrad' } : { id: 'terngrad', coder },
    initState: () => undefined,
    encode(v, _state, rng) {
      checkFiniteInput('terngrad', v);
      const d = v.length;
      let max = 0;
      for (let i = 0; i < d; i++) max = Math.max(max, Math.abs(v[i]!));
      const scale = Math.fround(max);
      const codes = new Uint8Array(d);
      const inv = scale > 0 ? 1 / scale : 0;
      for (let i = 0; i < d; i++) {
        const x = v[i]!;
        if (rng.nextFloat32() < Math.abs(x) * inv) codes[i] = x < 0 ? TERN_NEG : TERN_POS;
      }
      const { body, payloadBits } = encodeTernaryDense(scale, codes, coder);
      return { body, payloadBits, decoded: expandTernary(scale, codes, new Float32Array(d)) };
    },
    decode(body, dim) {
      checkDim('terngrad', dim);
      const { scale, codes } = decodeTernaryDense('terngrad', body, dim, coder);
      return expandTernary(scale, codes, new Float32Array(dim));
    },
  };
}
