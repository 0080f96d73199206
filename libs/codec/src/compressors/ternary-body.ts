import { checkBodyAtLeast, f32le, readFiniteF32, viewOf } from './checks.js';
import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { fixedByteLength, packFixed, readFixed } from '../bits/fixed-width.js';
import { decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';

/**
 * Wire forms of a ternary vector s·t, t ∈ {−1, 0, +1}^d (threshold quantizer, TernGrad):
 * dense = s (float32) ‖ 2 bits per coordinate (0 → 0, 1 → +1, 2 → −1): 32 + 2d bits;
 * indicated = s ‖ d-bit indicator ‖ 2 bits per selected coordinate: 32 + d + 2k bits (paper 003);
 * TernGrad with per-layer scales sends one float32 scale per layer instead of one.
 * Ternary values travel as those 2-bit codes in a Uint8Array.
 */
export const TERN_ZERO = 0;
export const TERN_POS = 1;
export const TERN_NEG = 2;

export function encodeTernaryDense(scales: number | ArrayLike<number>, codes: Uint8Array, coder: SymbolCoder = 'fixed'): { body: Uint8Array; payloadBits: number } {
  const sc = typeof scales === 'number' ? [scales] : scales;
  const coded = encodeSymbols(codes, 3, coder);
  const body = new Uint8Array(4 * sc.length + coded.bytes.length);
  for (let l = 0; l < sc.length; l++) viewOf(body).setFloat32(4 * l, sc[l]!, true);
  body.set(coded.bytes, 4 * sc.length);
  return { body, payloadBits: 32 * sc.length + coded.bits };
}

export function decodeTernaryDense(codec: string, body: Uint8Array, dim: number, coder: SymbolCoder = 'fixed', nScales = 1): { scales: Float32Array; codes: Uint8Array | Uint16Array } {
  checkBodyAtLeast(codec, body, 4 * nScales, nScales === 1 ? 'the 4-byte scale' : `${nScales} 4-byte scales`);
  const scales = readScales(codec, body, nScales);
  const codes = decodeSymbols(codec, body.subarray(4 * nScales), dim, 3, coder);
  return { scales, codes };
}

/**
 * Paper 003's sparse form (Sec. 3.5, "Encode"): the scales, the d-bit indicator I, and a
 * 2-bit code (0, +1, −1) for each of the k selected coordinates: 32·L + d + 2k bits
 * (L = 1 scale for the threshold quantizer: 32 + d + 2k). A selected coordinate may
 * quantize to 0; unselected ones are 0.
 */
export function encodeTernaryIndicated(scales: ArrayLike<number>, indicator: Uint8Array, codes: Uint8Array): { body: Uint8Array; payloadBits: number } {
  const d = codes.length;
  let k = 0;
  for (let i = 0; i < d; i++) k += indicator[i] === 0 ? 0 : 1;
  const ind = new Uint8Array(d);
  const kept = new Uint8Array(k);
  for (let i = 0, j = 0; i < d; i++) {
    if (indicator[i] === 0) continue;
    ind[i] = 1;
    kept[j++] = codes[i]!;
  }
  const L = scales.length;
  const w = new BitWriter(4 * L + (d + 2 * k) / 8 + 8);
  for (let l = 0; l < L; l++) w.writeBitsFrom(f32le(scales[l]!), 32);
  w.writeBitsFrom(packFixed(ind, 1), d);
  w.writeBitsFrom(packFixed(kept, 2), 2 * k);
  return { body: w.finish(), payloadBits: 32 * L + d + 2 * k };
}

export function decodeTernaryIndicated(codec: string, body: Uint8Array, dim: number, nScales = 1): { scales: Float32Array; indicator: Uint8Array; codes: Uint8Array } {
  checkBodyAtLeast(codec, body, 4 * nScales + fixedByteLength(dim, 1), `${nScales === 1 ? 'the scale' : `${nScales} scales`} and a ${dim}-bit indicator`);
  const scales = readScales(codec, body, nScales);
  const r = new BitReader(body);
  r.skipBits(32 * nScales);
  const indicator = readFixed(r, dim, 1, new Uint8Array(dim));
  let k = 0;
  for (let i = 0; i < dim; i++) k += indicator[i]!;
  const expected = Math.ceil((32 * nScales + dim + 2 * k) / 8);
  if (body.length !== expected) {
    throw new CodecError(`${codec}: indicator keeps ${k} of ${dim} coordinates, so the body must be ${expected} bytes, not ${body.length}`);
  }
  const kept = readFixed(r, k, 2, new Uint8Array(k));
  const codes = new Uint8Array(dim);
  for (let i = 0, j = 0; i < dim; i++) {
    if (indicator[i] === 0) continue;
    const c = kept[j++]!;
    if (c > TERN_NEG) throw new CodecError(`${codec}: invalid code ${c} for selected coordinate ${i} (expected 0, +1 or −1)`);
    codes[i] = c;
  }
  return { scales, indicator, codes };
}

/** Contiguous ranges of the vector that share one scale (one per layer, or the whole vector). */
export interface Segment { readonly offset: number; readonly size: number }

/** s_l·t over each segment l into `out`. */
export function expandTernarySegments(scales: ArrayLike<number>, segments: readonly Segment[], codes: Uint8Array | Uint16Array, out: Float32Array): Float32Array {
  segments.forEach((seg, l) => {
    const s = scales[l]!;
    for (let i = seg.offset; i < seg.offset + seg.size; i++) {
      const c = codes[i]!;
      out[i] = c === TERN_POS ? s : c === TERN_NEG ? -s : 0;
    }
  });
  return out;
}

/** s·t into a new vector. */
export function expandTernary(scale: number, codes: Uint8Array | Uint16Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) {
    const c = codes[i]!;
    out[i] = c === TERN_POS ? scale : c === TERN_NEG ? -scale : 0;
  }
  return out;
}

function readScales(codec: string, body: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let l = 0; l < n; l++) {
    const s = readFiniteF32(codec, viewOf(body), 4 * l, n === 1 ? 'scale' : `scale ${l}`);
    if (s < 0) throw new CodecError(`${codec}: side info ${n === 1 ? 'scale' : `scale ${l}`} ${s} is negative`);
    out[l] = s;
  }
  return out;
}

