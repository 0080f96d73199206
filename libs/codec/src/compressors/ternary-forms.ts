import type { Rng } from '@edgefl/core';
import type { IndicatedCompressor } from './compressor.js';
import type { EncodeResult } from '../types.js';

/** What a ternary quantizer supplies; `ternaryCompressor` adds the form dispatch. */
export interface TernaryParts {
  readonly spec: IndicatedCompressor['spec'];
  readonly form: 'dense' | 'sparse';
  readonly encodeOn: IndicatedCompressor['encodeOn'];
  readonly decodeIndicated: IndicatedCompressor['decodeIndicated'];
  readonly encodeDense: (v: Float32Array, rng: Rng) => EncodeResult;
  readonly decodeDense: (body: Uint8Array, dim: number) => Float32Array;
}

/**
 * The compressor both ternary quantizers (threshold, TernGrad) present: in the sparse form
 * `encode` sends the vector's support as the indicator (paper 003's indicated form,
 * 32·L + d + 2k bits) and `decode` keeps only the values; the dense form is the quantizer's own.
 */
export function ternaryCompressor(parts: TernaryParts): IndicatedCompressor {
  const { spec, form, encodeOn, decodeIndicated, encodeDense, decodeDense } = parts;
  return {
    spec,
    initState: () => undefined,
    encode(v, _state, rng) {
      if (form === 'dense') return encodeDense(v, rng);
      const support = new Uint8Array(v.length);
      for (let i = 0; i < v.length; i++) support[i] = v[i] !== 0 ? 1 : 0;
      return encodeOn(v, support, rng);
    },
    decode: (body, dim) => (form === 'dense' ? decodeDense(body, dim) : decodeIndicated(body, dim).decoded),
    encodeOn,
    decodeIndicated,
  };
}
