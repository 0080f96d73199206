import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import { ELIAS_DECODE_BITS, ELIAS_ENCODE_VALUES, eliasTables } from './elias-tables.js';
import { decodeTableRun, tableRunEnd } from './table-decode.js';

/**
 * Elias universal codes (Elias 1975) for integers 1 ≤ n ≤ 2^32 − 1, MSB-first.
 * They have no code for zero: to code a count or gap v ≥ 0, write v + 1 and subtract
 * one after reading (so v ≤ 2^32 − 2).
 *
 *   γ(n): ⌊log₂n⌋ zeros, then n in ⌊log₂n⌋ + 1 bits            → 2⌊log₂n⌋ + 1 bits
 *   δ(n): γ(⌊log₂n⌋ + 1), then n without its leading one         → ⌊log₂n⌋ + 2⌊log₂(⌊log₂n⌋+1)⌋ + 1 bits
 *   ω(n): recursive length prefixes (n, then its length − 1, …) ending in a 0 bit
 */
export type EliasKind = 'gamma' | 'delta' | 'omega';

export const ELIAS_MAX = 0xffffffff;

/** Number of bits of n ≥ 1 minus one, i.e. ⌊log₂n⌋, for n < 2^32. */
function floorLog2(n: number): number {
  return 31 - Math.clz32(n);
}

function checkValue(n: number): void {
  if (n >>> 0 !== n || n === 0) throw new RangeError(`Elias codes need an integer in 1..2^32-1, got ${n}`);
}

export function eliasGammaLength(n: number): number {
  checkValue(n);
  return 2 * floorLog2(n) + 1;
}

export function eliasDeltaLength(n: number): number {
  checkValue(n);
  const nb = floorLog2(n);
  return nb + 2 * floorLog2(nb + 1) + 1;
}

export function eliasOmegaLength(n: number): number {
  checkValue(n);
  let bits = 1;
  let v = n;
  while (v > 1) {
    const len = floorLog2(v) + 1;
    bits += len;
    v = len - 1;
  }
  return bits;
}

export function writeEliasGamma(w: BitWriter, n: number): void {
  checkValue(n);
  const nb = floorLog2(n);
  if (nb < 16) {
    w.writeBits(n, 2 * nb + 1); // the nb leading zeros come free with the width
    return;
  }
  w.writeZeros(nb);
  w.writeBits(n, nb + 1);
}

export function readEliasGamma(r: BitReader): number {
  if (r.bitsRemaining >= 32) {
    const word = r.peek32();
    const nb = Math.clz32(word);
    if (nb < 16) {
      r.skipBits(2 * nb + 1);
      return word >>> (31 - 2 * nb);
    }
  }
  const nb = r.readUnary(31);
  if (nb === 0) return 1;
  return 2 ** nb + r.readBits(nb);
}

export function writeEliasDelta(w: BitWriter, n: number): void {
  checkValue(n);
  const nb = floorLog2(n);
  writeEliasGamma(w, nb + 1);
  if (nb > 0) w.writeBits(n - ((1 << nb) >>> 0), nb);
}

export function readEliasDelta(r: BitReader): number {
  const len = readEliasGamma(r);
  if (len > 32) throw new CodecError(`Elias-δ length prefix ${len} exceeds 32 bits`, 'the message is corrupted');
  const nb = len - 1;
  return nb === 0 ? 1 : 2 ** nb + r.readBits(nb);
}

/** Groups of one ω code, largest last; at most 6 for 32-bit values, so a fixed scratch suffices. */
const omegaGroups = new Float64Array(8);

export function writeEliasOmega(w: BitWriter, n: number): void {
  checkValue(n);
  let k = 0;
  let v = n;
  while (v > 1) {
    omegaGroups[k++] = v;
    v = floorLog2(v); // next group codes (length − 1)
  }
  // Concatenate the groups (largest last) and the terminating 0; one write when ≤ 32 bits.
  let code = 0;
  let len = 0;
  for (let j = k - 1; j >= 0; j--) {
    const g = omegaGroups[j]!;
    const gl = floorLog2(g) + 1;
    if (len + gl + 1 > 32) {
      for (let i = k - 1; i >= 0; i--) w.writeBits(omegaGroups[i]!, floorLog2(omegaGroups[i]!) + 1);
      w.writeBit(0);
      return;
    }
    code = code * ((1 << gl) >>> 0) + g;
    len += gl;
  }
  w.writeBits(code * 2, len + 1);
}

export function readEliasOmega(r: BitReader): number {
  if (r.bitsRemaining >= 32) {
    // Fast path: decode inside the next 32 bits; fall back untouched if the code is longer.
    const word = r.peek32();
    let n = 1;
    let at = 0;
    for (;;) {
      if (((word << at) & 0x80000000) === 0) {
        r.skipBits(at + 1);
        return n;
      }
      const len = n + 1; // this group's bits, starting with the 1 just seen
      if (at + len + 1 > 32) break; // the group and the next flag bit must fit the word
      n = ((word << at) >>> 0) >>> (32 - len);
      at += len;
    }
  }
  let n = 1;
  for (;;) {
    if (r.readBit() === 0) return n;
    // The group is n + 1 bits long and starts with the 1 just read.
    if (n > 31) throw new CodecError(`Elias-ω group of ${n + 1} bits exceeds 32 bits`, 'the message is corrupted');
    n = 2 ** n + r.readBits(n);
  }
}

export function writeElias(w: BitWriter, kind: EliasKind, n: number): void {
  if (kind === 'gamma') writeEliasGamma(w, n);
  else if (kind === 'delta') writeEliasDelta(w, n);
  else writeEliasOmega(w, n);
}

export function readElias(r: BitReader, kind: EliasKind): number {
  if (kind === 'gamma') return readEliasGamma(r);
  if (kind === 'delta') return readEliasDelta(r);
  return readEliasOmega(r);
}

export function eliasLength(kind: EliasKind, n: number): number {
  if (kind === 'gamma') return eliasGammaLength(n);
  if (kind === 'delta') return eliasDeltaLength(n);
  return eliasOmegaLength(n);
}

export interface CodedBits {
  readonly bytes: Uint8Array;
  /** exact bits written; bytes.length = ⌈bits / 8⌉ */
  readonly bits: number;
}

function writerOf(kind: EliasKind): (w: BitWriter, n: number) => void {
  return kind === 'gamma' ? writeEliasGamma : kind === 'delta' ? writeEliasDelta : writeEliasOmega;
}

/**
 * Codes every value (each ≥ 1) back to back, bit-identical to `writeElias` per value: values
 * below 256 take their code from a table and go into the writer's accumulator held in
 * locals (no call per value); larger values go through `writeElias`.
 */
export function encodeEliasArray(values: ArrayLike<number>, kind: EliasKind): CodedBits {
  const write = writerOf(kind);
  const table = eliasTables(kind, write).encode;
  const w = new BitWriter(values.length + 16);
  let buf = w.buf;
  let pos = w.pos;
  let acc = w.acc;
  let accBits = w.accBits;
  for (let i = 0; i < values.length; i++) {
    const n = values[i]!;
    if (!(n >= 1 && n < ELIAS_ENCODE_VALUES) || (n | 0) !== n) {
      // Large (or invalid: the writer throws RangeError) values take the general path.
      w.buf = buf; w.pos = pos; w.acc = acc; w.accBits = accBits;
      write(w, n);
      buf = w.buf; pos = w.pos; acc = w.acc; accBits = w.accBits;
      continue;
    }
    const e = table[n]!;
    const code = e >>> 6;
    const len = e & 63;
    const free = 32 - accBits;
    if (len < free) {
      acc = (acc << len) | code;
      accBits += len;
      continue;
    }
    const rest = len - free;
    const word = ((acc << free) | (code >>> rest)) >>> 0; // len ≤ 15, so free < 32 here
    if (pos + 4 > buf.length) {
      w.pos = pos;
      w.ensure(4);
      buf = w.buf;
    }
    buf[pos] = word >>> 24;
    buf[pos + 1] = word >>> 16;
    buf[pos + 2] = word >>> 8;
    buf[pos + 3] = word;
    pos += 4;
    acc = code & ((1 << rest) - 1);
    accBits = rest;
  }
  w.buf = buf; w.pos = pos; w.acc = acc; w.accBits = accBits;
  return { bytes: w.finish(), bits: w.bitLength };
}

/**
 * Decodes `count` values. Every code is at least one bit, so a count larger than the
 * available bits is rejected before allocating. Codes of ≤ 12 bits (ω: n ≤ 63) are decoded
 * with one table load each (`decodeTableRun`); longer ones, and the last 3 bytes, go
 * through `readElias`, which checks every bit.
 */
export function decodeEliasArray(bytes: Uint8Array, count: number, kind: EliasKind, bitLength = bytes.length * 8): Uint32Array {
  const r = new BitReader(bytes, bitLength);
  if (!(count >= 0) || Math.floor(count) !== count || count > r.bitsRemaining) {
    throw new CodecError(`${count} Elias codes cannot fit in ${r.bitsRemaining} bits`, 'the message was truncated or its count is corrupted');
  }
  const table = eliasTables(kind, writerOf(kind)).decode;
  const out = new Uint32Array(count);
  if (bitLength > 0x7fffffff) {
    // Past 256 MiB the positions are not small integers (see readGolombCodes): bit by bit.
    for (let i = 0; i < count; i++) out[i] = readElias(r, kind);
    return out;
  }
  // `| 0` (exact here: count ≤ bitLength < 2^31) keeps the table loop on small integers.
  const end = bitLength | 0;
  const stop = count | 0;
  let pos = 0;
  let i = 0;
  while (i < stop) {
    i = decodeTableRun(bytes, table, ELIAS_DECODE_BITS, out, i, stop, pos, end, Infinity);
    pos = tableRunEnd.pos;
    if (i >= stop) break;
    r.seek(pos);
    out[i++] = readElias(r, kind);
    pos = r.bitPosition | 0;
  }
  return out;
}

// A few small calls at load give every site of the encoder loop type feedback, including
// the stores after it (see the note at the end of golomb.ts: without it, the on-stack
// replaced loop deoptimized at its exit on every call, ≈ 2000 times in one benchmark run).
{
  const prime = Uint32Array.from({ length: 300 }, (_, i) => i + 1); // typed, as in the hot callers
  for (let k = 0; k < 16; k++) for (const kind of ['gamma', 'delta', 'omega'] as const) encodeEliasArray(prime, kind);
}
