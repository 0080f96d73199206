import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput, readFiniteF32, viewOf } from './checks.js';
import { fixedByteLength, packFixed, unpackFixed } from '../bits/fixed-width.js';
import { CodecError } from '../errors.js';

export type SignSpec = { readonly id: 'sign' };

/**
 * Sign with scale (signSGD with the ‖v‖₁/d scale, as used with error feedback):
 * s = mean|v| (float32) ‖ one bit per coordinate (1 = negative). 32 + d bits. Biased:
 * pair it with the error-feedback wrapper.
 */
export function createSign(): CodecCompressor<void> {
  return {
    spec: { id: 'sign' },
    initState: () => undefined,
    encode(v) {
      checkFiniteInput('sign', v);
      const d = v.length;
      let l1 = 0;
      for (let i = 0; i < d; i++) l1 += Math.abs(v[i]!);
      const s = Math.fround(d > 0 ? l1 / d : 0);
      const bits = new Uint8Array(d);
      const decoded = new Float32Array(d);
      for (let i = 0; i < d; i++) {
        const neg = v[i]! < 0;
        bits[i] = neg ? 1 : 0;
        decoded[i] = neg ? -s : s;
      }
      const packed = packFixed(bits, 1);
      const body = new Uint8Array(4 + packed.length);
      viewOf(body).setFloat32(0, s, true);
      body.set(packed, 4);
      return { body, payloadBits: 32 + d, decoded };
    },
    decode(body, dim) {
      checkDim('sign', dim);
      checkBodyLength('sign', body, 4 + fixedByteLength(dim, 1), dim);
      const s = readFiniteF32('sign', viewOf(body), 0, 'scale');
      if (s < 0) throw new CodecError(`sign: side info scale ${s} is negative`);
      const bits = unpackFixed(body.subarray(4), dim, 1, new Uint8Array(dim));
      const out = new Float32Array(dim);
      for (let i = 0; i < dim; i++) out[i] = bits[i] ? -s : s;
      return out;
    },
  };
}
