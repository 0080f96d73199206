import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import type { CodedBits } from './elias.js';

/**
 * Golomb code (Golomb 1966) with parameter M ≥ 1 for integers 0 ≤ v ≤ 2^32 − 1: the
 * quotient q = ⌊v/M⌋ in unary (q zeros, then a one) and the remainder in truncated
 * binary (b = ⌈log₂M⌉; remainders below 2^b − M take b − 1 bits, the rest b bits).
 * Rice codes are the special case M = 2^k. Optimal for geometric sources when
 * M ≈ −1/log₂(1 − p) (see `optimalGolombParameter`).
 */
export interface GolombParams {
  readonly m: number;
  /** ⌈log₂M⌉ */
  readonly b: number;
  /** 2^b − M: remainders below it take b − 1 bits */
  readonly cutoff: number;
  /** 1/M: the quotient by multiplication (a division costs several times more in the hot loop) */
  readonly inv: number;
}

export function golombParams(m: number): GolombParams {
  if (m >>> 0 !== m || m === 0) throw new RangeError(`Golomb parameter M must be an integer in 1..2^32-1, got ${m}`);
  const b = m === 1 ? 0 : 32 - Math.clz32(m - 1);
  return { m, b, cutoff: 2 ** b - m, inv: 1 / m };
}

export function riceParams(k: number): GolombParams {
  if (!(k >= 0 && k <= 31) || (k | 0) !== k) throw new RangeError(`Rice parameter k must be an integer in 0..31, got ${k}`);
  return golombParams(2 ** k);
}

/** Bits of the Golomb code of v: ⌊v/M⌋ + 1 + (b − 1 or b). */
export function golombLength(v: number, p: GolombParams): number {
  const q = Math.floor(v / p.m);
  const rem = v - q * p.m;
  return q + 1 + (rem < p.cutoff ? p.b - 1 : p.b);
}

export function writeGolomb(w: BitWriter, v: number, p: GolombParams): void {
  if (v >>> 0 !== v) throw new RangeError(`Golomb codes need an integer in 0..2^32-1, got ${v}`);
  // v·(1/M) may round just below an exact integer quotient, never above: fix one way.
  let q = Math.floor(v * p.inv);
  let rem = v - q * p.m;
  if (rem >= p.m) {
    q++;
    rem -= p.m;
  }
  // Branch-free truncated binary: whether rem takes b − 1 bits is a coin flip for the
  // branch predictor. (rem − cutoff) >>> 31 is 1 iff rem < cutoff, as both are < 2^31 here.
  const short = p.m <= 0x80000000 ? (rem - p.cutoff) >>> 31 : rem < p.cutoff ? 1 : 0;
  const nb = p.b - short;
  const code = rem + p.cutoff * (1 - short);
  if (q + 1 + nb <= 32) {
    // Common case: terminator and remainder in one write (the q leading zeros come free).
    w.writeBits(((1 << nb) >>> 0) + code, q + 1 + nb);
    return;
  }
  w.writeZeros(q);
  w.writeBit(1);
  w.writeBits(code, nb);
}

/**
 * Reads one Golomb code whose value may not exceed `maxValue`; the unary part is
 * bounded by ⌊maxValue/M⌋, so hostile input fails fast with `CodecError`.
 */
export function readGolomb(r: BitReader, p: GolombParams, maxValue = 0xffffffff): number {
  if (r.bitsRemaining >= 32) {
    // Fast path: the whole code sits in the next 32 bits.
    const word = r.peek32();
    const q = Math.clz32(word);
    if (q + 1 + p.b <= 32) {
      const after = (word << (q + 1)) >>> 0; // bits after the terminator, left-aligned
      let rem = 0;
      let used = q + 1;
      if (p.b > 0) {
        // Branch-free: the b bits after the terminator; the first b − 1 are the short form.
        const top = after >>> (32 - p.b);
        const short = top >>> 1;
        const long = p.m <= 0x80000000 ? 1 - ((short - p.cutoff) >>> 31) : short >= p.cutoff ? 1 : 0;
        rem = short + long * (top - p.cutoff - short);
        used += p.b - 1 + long;
      }
      const v = q * p.m + rem;
      if (v > maxValue) throw tooLarge(v, maxValue);
      r.skipBits(used);
      return v;
    }
  }
  return readGolombSlow(r, p, maxValue);
}

/** Bit-by-bit path for codes longer than 32 bits or near the end of the stream. */
function readGolombSlow(r: BitReader, p: GolombParams, maxValue: number): number {
  const q = r.readUnary(Math.floor(maxValue / p.m));
  let rem = 0;
  if (p.b > 0) {
    rem = r.readBits(p.b - 1);
    if (rem >= p.cutoff) rem = rem * 2 + r.readBit() - p.cutoff;
  }
  const v = q * p.m + rem;
  if (v > maxValue) throw tooLarge(v, maxValue);
  return v;
}

function tooLarge(v: number, maxValue: number): CodecError {
  return new CodecError(`Golomb value ${v} exceeds the allowed maximum ${maxValue}`, 'the message is corrupted');
}

/**
 * Optimal M for the gaps between hits when each position is a hit with probability
 * `density` (gaps geometric, P(g) = θ^g(1 − θ), θ = 1 − density): the Gallager–van
 * Voorhis rule, the smallest M with θ^M + θ^(M+1) ≤ 1, i.e. M = ⌈log(1 + θ)/−log θ⌉.
 */
export function optimalGolombParameter(density: number): number {
  if (!(density > 0)) return 0x80000000;
  if (density >= 0.5) return 1;
  const theta = 1 - density;
  const m = Math.ceil(Math.log(1 + theta) / -Math.log(theta));
  return Math.min(0x80000000, Math.max(1, m));
}

export function encodeGolombArray(values: ArrayLike<number>, m: number): CodedBits {
  const p = golombParams(m);
  const w = new BitWriter(values.length + 16);
  for (let i = 0; i < values.length; i++) writeGolomb(w, values[i]!, p);
  return { bytes: w.finish(), bits: w.bitLength };
}

/** Every code is at least one bit, so `count` is checked against the bits before allocating. */
export function decodeGolombArray(bytes: Uint8Array, count: number, m: number, bitLength = bytes.length * 8): Uint32Array {
  const p = golombParams(m);
  const r = new BitReader(bytes, bitLength);
  if (!(count >= 0) || Math.floor(count) !== count || count > r.bitsRemaining) {
    throw new CodecError(`${count} Golomb codes cannot fit in ${r.bitsRemaining} bits`, 'the message was truncated or its count is corrupted');
  }
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = readGolomb(r, p);
  return out;
}
