import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput } from './checks.js';
import { CodecError } from '../errors.js';

/**
 * Double precision: 64·d bits, little-endian float64. For algorithms whose state is a
 * float64 iterate that must reach its receivers exactly (the differentially quantized
 * gradient methods' noiseless downlink): they use `encodeFloat64`/`decodeFloat64`
 * directly; as a compressor of float32 vectors it widens on encode and narrows on decode.
 */
export function createFloat64(): CodecCompressor<void> {
  const spec = { id: 'float64' } as const;
  return {
    spec,
    initState: () => undefined,
    encode(v) {
      checkFiniteInput(spec.id, v);
      return { body: encodeFloat64(Float64Array.from(v)), payloadBits: 64 * v.length, decoded: Float32Array.from(v) };
    },
    decode(body, dim) {
      return Float32Array.from(decodeFloat64(body, dim));
    },
  };
}

export function encodeFloat64(v: Float64Array): Uint8Array {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new CodecError(`float64: value ${v[i]} at index ${i} is not finite`, 'only finite vectors can be sent');
  }
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/** The float64 vector of a body; a wrong length or a non-finite value is a CodecError. */
export function decodeFloat64(body: Uint8Array, dim: number): Float64Array {
  checkDim('float64', dim);
  checkBodyLength('float64', body, 8 * dim, dim);
  const out = new Float64Array(dim);
  new Uint8Array(out.buffer).set(body);
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(out[i]!)) throw new CodecError(`float64: value ${out[i]} at index ${i} is not finite`);
  }
  return out;
}
