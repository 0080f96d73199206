import type { CodecCompressor } from './compressor.js';
import { checkBodyLength, checkDim, checkFiniteInput } from './checks.js';
import { CodecError } from '../errors.js';
import { firstNonFinite } from '../quantizers/range.js';

export type KeyframeSpec = { readonly id: 'keyframe'; readonly extra: number };

/**
 * A keyframe: the full-precision model (d float32 values) followed by `extra` float32 values
 * of the algorithm's shared state (e.g. Q-GADMM's edge duals), sent to re-anchor a link's
 * residual reference after a loss or a restart (libs/algorithms/src/shared/channel.ts).
 * 32·(d + extra) payload bits. `encode` takes the d + extra values; `decode(body, d)`
 * returns them all, the model first.
 */
export function createKeyframe(spec: KeyframeSpec): CodecCompressor<void> {
  const extra = spec.extra;
  if (!Number.isInteger(extra) || extra < 0 || extra > 2 ** 26) {
    throw new CodecError(`keyframe: extra = ${extra} is not an integer in 0…${2 ** 26}`, 'extra counts the algorithm floats after the model');
  }
  const wire = { id: 'keyframe', extra } as const;
  return {
    spec: wire,
    initState: () => undefined,
    encode(v) {
      checkFiniteInput(wire.id, v);
      const decoded = Float32Array.from(v);
      return { body: new Uint8Array(decoded.buffer.slice(0)), payloadBits: 32 * v.length, decoded };
    },
    decode(body, dim) {
      checkDim(wire.id, dim);
      checkBodyLength(wire.id, body, 4 * (dim + extra), dim);
      const out = new Float32Array(dim + extra);
      new Uint8Array(out.buffer).set(body);
      const bad = firstNonFinite(out);
      if (bad >= 0) throw new CodecError(`keyframe: value ${out[bad]} at index ${bad} is not finite`);
      return out;
    },
  };
}
