import type { Rng } from '@edgefl/core';
import type { IndicatedCompressor } from './compressor.js';
import { checkCoder, type SymbolCoder } from './symbol-stage.js';
import { checkDim, checkFiniteInput } from './checks.js';
import { TERN_NEG, TERN_POS, decodeTernaryDense, decodeTernaryIndicated, encodeTernaryDense, encodeTernaryIndicated, expandTernarySegments, type Segment } from './ternary-body.js';
import { ternaryCompressor } from './ternary-forms.js';
import { CodecError } from '../errors.js';

export type TernGradSpec = {
  readonly id: 'terngrad';
  /** coder of the dense form's ternary symbols (default 'fixed': 2 bits each) */
  readonly coder?: SymbolCoder;
  /** 'dense' = 32·L + 2d bits; 'sparse' = indicator form 32·L + d + 2k bits (as threshold's) */
  readonly form?: 'dense' | 'sparse';
  /**
   * Per-layer scales (Wen et al.'s layer-wise ternarizing): the layer sizes in vector order,
   * comma-separated ("150,6,2400,16"), summing to d. Absent = one scale for the vector.
   */
  readonly layers?: string;
};

/**
 * TernGrad (Wen et al. 2017; the baseline of paper 003): per scale segment (a layer, or the
 * whole vector) s = max|v|, t_i = sign(v_i) with probability |v_i|/s, else 0, so
 * E[s·t_i] = v_i. 32·L + 2d bits dense (L scales), 32·L + d + 2k in the indicated form.
 */
export function createTernGrad(spec: TernGradSpec = { id: 'terngrad' }): IndicatedCompressor {
  const coder = checkCoder('terngrad', spec.coder ?? 'fixed');
  const form = spec.form ?? 'dense';
  if (form !== 'dense' && form !== 'sparse') {
    throw new CodecError(`terngrad: form = ${String(form)} is not 'dense' or 'sparse'`, 'use form: dense (32 + 2d bits) or sparse (32 + d + 2k bits)');
  }
  if (coder !== 'fixed' && form === 'sparse') {
    throw new CodecError(`terngrad: coder ${coder} applies to the dense form only`, 'drop coder, or use form: dense');
  }
  const layerSizes = spec.layers === undefined ? undefined : parseLayers(spec.layers);
  const segmentsFor = (d: number): Segment[] => {
    if (!layerSizes) return [{ offset: 0, size: d }];
    const total = layerSizes.reduce((a, b) => a + b, 0);
    if (total !== d) {
      throw new CodecError(`terngrad: layers sum to ${total}, but the vector has ${d} coordinates`, 'list every layer\'s parameter count, in vector order');
    }
    let off = 0;
    return layerSizes.map((size) => { const s = { offset: off, size }; off += size; return s; });
  };
  const quantize = (v: Float32Array, indicator: Uint8Array | undefined, rng: Rng): { scales: Float32Array; codes: Uint8Array; segments: Segment[] } => {
    const segments = segmentsFor(v.length);
    const scales = new Float32Array(segments.length);
    const codes = new Uint8Array(v.length);
    segments.forEach((seg, l) => {
      const end = seg.offset + seg.size;
      let max = 0;
      for (let i = seg.offset; i < end; i++) if (indicator === undefined || indicator[i] !== 0) max = Math.max(max, Math.abs(v[i]!));
      const scale = Math.fround(max);
      scales[l] = scale;
      const inv = scale > 0 ? 1 / scale : 0;
      for (let i = seg.offset; i < end; i++) {
        if (indicator !== undefined && indicator[i] === 0) continue;
        const x = v[i]!;
        if (rng.nextFloat32() < Math.abs(x) * inv) codes[i] = x < 0 ? TERN_NEG : TERN_POS;
      }
    });
    return { scales, codes, segments };
  };
  const encodeOn: IndicatedCompressor['encodeOn'] = (v, indicator, rng) => {
    checkFiniteInput('terngrad', v);
    if (indicator.length !== v.length) throw new CodecError(`terngrad: indicator has ${indicator.length} entries for a ${v.length}-vector`, 'pass one indicator entry per coordinate');
    const { scales, codes, segments } = quantize(v, indicator, rng);
    const { body, payloadBits } = encodeTernaryIndicated(scales, indicator, codes);
    return { body, payloadBits, decoded: expandTernarySegments(scales, segments, codes, new Float32Array(v.length)), indicator };
  };
  const decodeIndicated: IndicatedCompressor['decodeIndicated'] = (body, dim) => {
    checkDim('terngrad', dim);
    const segments = segmentsFor(dim);
    const { scales, indicator, codes } = decodeTernaryIndicated('terngrad', body, dim, segments.length);
    return { decoded: expandTernarySegments(scales, segments, codes, new Float32Array(dim)), indicator };
  };
  const out: TernGradSpec = { id: 'terngrad', ...(coder !== 'fixed' ? { coder } : {}), ...(form !== 'dense' ? { form } : {}), ...(spec.layers !== undefined ? { layers: spec.layers } : {}) };
  return ternaryCompressor({
    spec: out, form, encodeOn, decodeIndicated,
    encodeDense(v, rng) {
      checkFiniteInput('terngrad', v);
      const { scales, codes, segments } = quantize(v, undefined, rng);
      const { body, payloadBits } = encodeTernaryDense(scales, codes, coder);
      return { body, payloadBits, decoded: expandTernarySegments(scales, segments, codes, new Float32Array(v.length)) };
    },
    decodeDense(body, dim) {
      checkDim('terngrad', dim);
      const segments = segmentsFor(dim);
      const { scales, codes } = decodeTernaryDense('terngrad', body, dim, coder, segments.length);
      return expandTernarySegments(scales, segments, codes, new Float32Array(dim));
    },
  });
}

/** "150,6,2400" → [150, 6, 2400]; every size a positive integer. */
export function parseLayers(layers: string): number[] {
  const parts = layers.split(',').map((s) => s.trim());
  const sizes = parts.map(Number);
  if (parts.length === 0 || parts.length > 65_536 || sizes.some((n, i) => parts[i] === '' || !Number.isInteger(n) || n < 1)) {
    throw new CodecError(`terngrad: layers "${layers.slice(0, 80)}" is not a comma-separated list of positive layer sizes`, 'e.g. layers: "150,6,2400,16" (the sizes sum to the model dimension)');
  }
  return sizes;
}
