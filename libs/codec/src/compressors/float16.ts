import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput } from './checks.js';
import { CodecError } from '../errors.js';
import { floatsToHalves, halvesToFloats } from '../quantizers/half.js';

export type Float16Spec = { readonly id: 'float16' };

/** IEEE half precision, little endian: 16·d bits; saturates at ±65504, rejects ∞/NaN halves. */
export function createFloat16(): CodecCompressor<void> {
  return {
    spec: { id: 'float16' },
    initState: () => undefined,
    encode(v) {
      checkFiniteInput('float16', v);
      const h = floatsToHalves(v, new Uint16Array(v.length));
      const body = new Uint8Array(h.buffer);
      return { body, payloadBits: 16 * v.length, decoded: halvesToFloats(h, new Float32Array(v.length)) };
    },
    decode(body, dim) {
      checkDim('float16', dim);
      checkBodyLength('float16', body, 2 * dim, dim);
      const h = new Uint16Array(dim);
      new Uint8Array(h.buffer).set(body);
      for (let i = 0; i < dim; i++) {
        if ((h[i]! & 0x7c00) === 0x7c00) throw new CodecError(`float16: value at index ${i} is ${h[i]! & 0x3ff ? 'NaN' : 'infinite'}`);
      }
      return halvesToFloats(h, new Float32Array(dim));
    },
  };
}
