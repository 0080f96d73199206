import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput } from './checks.js';
import { CodecError } from '../errors.js';
import { firstNonFinite } from '../quantizers/range.js';

/** Full precision: 32·d bits, the papers' "error-free"/GADMM baseline. Little-endian floats. */
export function createFloat32(): CodecCompressor<void> {
  const spec = { id: 'float32' } as const;
  return {
    spec,
    initState: () => undefined,
    encode(v) {
      checkFiniteInput(spec.id, v);
      const decoded = Float32Array.from(v);
      const body = new Uint8Array(decoded.buffer.slice(0));
      return { body, payloadBits: 32 * v.length, decoded };
    },
    decode(body, dim) {
      checkDim(spec.id, dim);
      checkBodyLength(spec.id, body, 4 * dim, dim);
      const out = new Float32Array(dim);
      new Uint8Array(out.buffer).set(body);
      const bad = firstNonFinite(out);
      if (bad >= 0) throw new CodecError(`float32: value ${out[bad]} at index ${bad} is not finite`);
      return out;
    },
  };
}
