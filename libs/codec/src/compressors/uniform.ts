import type { CodecCompressor } from './compressor.js';
import { checkBodyAtLeast, checkBodyLength, checkDim, checkFiniteInput, readFiniteF32, viewOf, withSideInfo } from './checks.js';
import { checkCoder, decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';
import { minMax } from '../quantizers/range.js';
import { quantizePackStochastic, unpackDequantize } from '../quantizers/fused-uniform.js';
import { fixedByteLength } from '../bits/fixed-width.js';
import { dequantizeLevels, stochasticRound } from '../quantizers/stochastic-round.js';

export type UniformSpec = {
  readonly id: 'uniform';
  /** bits per coordinate, 1..16 (2^bits levels) */
  readonly bits: number;
  /** symbol coder (default 'fixed': b bits per coordinate) */
  readonly coder?: SymbolCoder;
};

const SIDE_BYTES = 8;

/**
 * Seeded stochastic uniform b-bit quantizer (QGD's quantizer in Q-GADMM's baseline): per
 * message min m and max M as float32 side info, Δ = (M − m)/(2^b − 1), unbiased stochastic
 * rounding of (v − m)/Δ, fixed-width packed. Payload b·d + 64 bits.
 */
export function createUniform(spec: UniformSpec): CodecCompressor<void> {
  const b = spec.bits;
  checkWidth('uniform', b);
  const maxLevel = (1 << b) - 1;
  const coder = checkCoder('uniform', spec.coder ?? 'fixed');
  return {
    spec: coder === 'fixed' ? { id: 'uniform', bits: b } : { id: 'uniform', bits: b, coder },
    initState: () => undefined,
    encode(v, _state, rng) {
      const d = v.length;
      const r = d === 0 ? { min: 0, max: 0 } : minMax(v);
      if (Number.isNaN(r.min)) checkFiniteInput('uniform', v); // throws, naming the index
      const lo = Math.fround(r.min);
      const hi = Math.fround(r.max);
      const step = (hi - lo) / maxLevel;
      const decoded = new Float32Array(d);
      let coded: { bytes: Uint8Array; bits: number };
      if (coder === 'fixed') {
        coded = { bytes: quantizePackStochastic(v, lo, step, b, rng, decoded), bits: b * d };
      } else {
        const q = stochasticRound(v, lo, step, maxLevel, rng, new Uint16Array(d));
        dequantizeLevels(q, lo, step, decoded);
        coded = encodeSymbols(q, maxLevel + 1, coder);
      }
      const body = withSideInfo(SIDE_BYTES, coded.bytes, (view) => {
        view.setFloat32(0, lo, true);
        view.setFloat32(4, hi, true);
      });
      return { body, payloadBits: 64 + coded.bits, decoded };
    },
    decode(body, dim) {
      checkDim('uniform', dim);
      checkBodyAtLeast('uniform', body, SIDE_BYTES, 'the 8-byte side info');
      const view = viewOf(body);
      const lo = readFiniteF32('uniform', view, 0, 'min');
      const hi = readFiniteF32('uniform', view, 4, 'max');
      if (hi < lo) throw new CodecError(`uniform: side info max ${hi} is below min ${lo} (negative range)`);
      const step = (hi - lo) / maxLevel;
      if (coder === 'fixed') {
        checkBodyLength('uniform', body, SIDE_BYTES + fixedByteLength(dim, b), dim);
        const out = new Float32Array(dim);
        unpackDequantize(body.subarray(SIDE_BYTES), b, lo, step, out);
        return out;
      }
      const q = decodeSymbols('uniform', body.subarray(SIDE_BYTES), dim, maxLevel + 1, coder);
      return dequantizeLevels(q, lo, step, new Float32Array(dim));
    },
  };
}

/** Fixed-width level counts must be 1..16 bits. */
export function checkWidth(codec: string, b: unknown): asserts b is number {
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > 16) {
    throw new CodecError(`${codec}: bits = ${String(b)} is not an integer in 1..16`,
      `set the codec's bits to an integer between 1 and 16, e.g. { id: '${codec}', bits: 2 }`);
  }
}
