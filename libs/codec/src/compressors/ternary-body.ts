import { checkBodyAtLeast, f32le, readFiniteF32, viewOf } from './checks.js';
import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { fixedByteLength, packFixed, readFixed } from '../bits/fixed-width.js';
import { decodeSymbols, encodeSymbols, type SymbolCoder } from './symbol-stage.js';
import { CodecError } from '../errors.js';

/**
 * Wire forms of a ternary vector s·t, t ∈ {−1, 0, +1}^d (threshold quantizer, TernGrad):
 * dense = s (float32) ‖ 2 bits per coordinate (0 → 0, 1 → +1, 2 → −1): 32 + 2d bits;
 * sparse = s ‖ d-bit indicator ‖ 2 bits per kept coordinate: 32 + d + 2k bits (paper 003).
 * Ternary values travel as those 2-bit codes in a Uint8Array.
 */
export const TERN_ZERO = 0;
export const TERN_POS = 1;
export const TERN_NEG = 2;

export function encodeTernaryDense(scale: number, codes: Uint8Array, coder: SymbolCoder = 'fixed'): { body: Uint8Array; payloadBits: number } {
  const coded = encodeSymbols(codes, 3, coder);
  const body = new Uint8Array(4 + coded.bytes.length);
  viewOf(body).setFloat32(0, scale, true);
  body.set(coded.bytes, 4);
  return { body, payloadBits: 32 + coded.bits };
}

export function decodeTernaryDense(codec: string, body: Uint8Array, dim: number, coder: SymbolCoder = 'fixed'): { scale: number; codes: Uint8Array | Uint16Array } {
  checkBodyAtLeast(codec, body, 4, 'the 4-byte scale');
  const scale = readScale(codec, body);
  const codes = decodeSymbols(codec, body.subarray(4), dim, 3, coder);
  return { scale, codes };
}

export function encodeTernarySparse(scale: number, codes: Uint8Array): { body: Uint8Array; payloadBits: number } {
  const d = codes.length;
  const ind = new Uint8Array(d);
  let k = 0;
  for (let i = 0; i < d; i++) if (codes[i] !== TERN_ZERO) { ind[i] = 1; k++; }
  const kept = new Uint8Array(k);
  for (let i = 0, j = 0; i < d; i++) if (codes[i] !== TERN_ZERO) kept[j++] = codes[i]!;
  const w = new BitWriter(4 + (d + 2 * k) / 8 + 8);
  w.writeBitsFrom(f32le(scale), 32);
  w.writeBitsFrom(packFixed(ind, 1), d);
  w.writeBitsFrom(packFixed(kept, 2), 2 * k);
  return { body: w.finish(), payloadBits: 32 + d + 2 * k };
}

export function decodeTernarySparse(codec: string, body: Uint8Array, dim: number): { scale: number; codes: Uint8Array } {
  checkBodyAtLeast(codec, body, 4 + fixedByteLength(dim, 1), `the scale and a ${dim}-bit indicator`);
  const scale = readScale(codec, body);
  const r = new BitReader(body);
  r.skipBits(32);
  const ind = readFixed(r, dim, 1, new Uint8Array(dim));
  let k = 0;
  for (let i = 0; i < dim; i++) k += ind[i]!;
  const expected = Math.ceil((32 + dim + 2 * k) / 8);
  if (body.length !== expected) {
    throw new CodecError(`${codec}: indicator keeps ${k} of ${dim} coordinates, so the body must be ${expected} bytes, not ${body.length}`);
  }
  const kept = readFixed(r, k, 2, new Uint8Array(k));
  const codes = new Uint8Array(dim);
  for (let i = 0, j = 0; i < dim; i++) {
    if (ind[i] === 0) continue;
    const c = kept[j++]!;
    if (c !== TERN_POS && c !== TERN_NEG) throw new CodecError(`${codec}: invalid code ${c} for kept coordinate ${i} (expected ±1)`);
    codes[i] = c;
  }
  return { scale, codes };
}

/** s·t into a new vector. */
export function expandTernary(scale: number, codes: Uint8Array | Uint16Array, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) {
    const c = codes[i]!;
    out[i] = c === TERN_POS ? scale : c === TERN_NEG ? -scale : 0;
  }
  return out;
}

function readScale(codec: string, body: Uint8Array): number {
  const s = readFiniteF32(codec, viewOf(body), 0, 'scale');
  if (s < 0) throw new CodecError(`${codec}: side info scale ${s} is negative`);
  return s;
}

