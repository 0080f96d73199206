import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import type { CodedBits } from './elias.js';
import { GOLOMB_DECODE_BITS, GOLOMB_TABLE_MIN_CODES, golombDecodeTable, golombEncodeTable } from './golomb-tables.js';
import { decodeTableRun, tableRunEnd } from './table-decode.js';

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

const NO_TABLE = new Uint32Array(0);
/** Largest bit position / index the table loops take (2^31 − 1 bits = 256 MiB messages). */
const SMALL = 0x7fffffff;

/**
 * Appends the Golomb codes of values[from … to) to `w`: the array form of `writeGolomb`,
 * bit-identical, with the writer's 32-bit accumulator held in locals (no call per code).
 * Values below 64 take their code from a table (when there are ≥ 256 codes); codes longer than 32 bits go through
 * `writeGolomb`.
 */
export function writeGolombCodes(w: BitWriter, values: ArrayLike<number>, from: number, to: number, p: GolombParams): void {
  const { m, inv, cutoff } = p;
  const bigM = m > 0x80000000;
  const table = to - from >= GOLOMB_TABLE_MIN_CODES ? golombEncodeTable(m) : NO_TABLE;
  let buf = w.buf;
  let pos = w.pos;
  let acc = w.acc;
  let accBits = w.accBits;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (v >>> 0 !== v) throw new RangeError(`Golomb codes need an integer in 0..2^32-1, got ${v}`);
    const e = v < table.length ? table[v]! : 0;
    let code: number; // q zeros, the terminating one and the remainder as one len-bit value
    let len: number;
    if (e !== 0) {
      code = e >>> 6;
      len = e & 63;
    } else {
      // The quotient by multiplication; v·(1/M) may round just below an exact quotient, never above.
      let q = Math.floor(v * inv);
      let rem = v - q * m;
      if (rem >= m) {
        q++;
        rem -= m;
      }
      // Truncated binary, branch-free: (rem − cutoff) >>> 31 is 1 iff rem < cutoff (both < 2^31 unless M > 2^31).
      const short = bigM ? (rem < cutoff ? 1 : 0) : (rem - cutoff) >>> 31;
      const nb = p.b - short;
      len = q + 1 + nb;
      if (len > 32) {
        w.buf = buf; w.pos = pos; w.acc = acc; w.accBits = accBits;
        writeGolomb(w, v, p);
        buf = w.buf; pos = w.pos; acc = w.acc; accBits = w.accBits;
        continue;
      }
      code = ((1 << nb) >>> 0) + rem + cutoff * (1 - short);
    }
    const free = 32 - accBits;
    if (len < free) {
      acc = (acc << len) | code;
      accBits += len;
      continue;
    }
    const rest = len - free;
    const word = ((acc << free) | (code >>> rest)) >>> 0; // acc = 0 when free = 32
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
}

/**
 * Reads to − from Golomb codes into out[from … to): the array form of `readGolomb`. Each
 * value is at most 2^32 − 1 and the values together at most `budget` (MALCOM's runs share
 * the positions left), so hostile input fails fast with `CodecError`.
 * Codes of ≤ 11 bits are decoded with one table load each (`decodeTableRun`; when there
 * are ≥ 256 codes, else building the table costs more than it saves); longer codes,
 * the last 3 bytes and a value past the budget go through `readGolomb`, which decodes codes
 * of ≤ 32 bits from a peeked word (quotient by `Math.clz32`) and checks every bit.
 */
export function readGolombCodes(r: BitReader, p: GolombParams, out: Uint32Array, from: number, to: number, budget = Infinity): void {
  // The shortest code has b − 1 bits (b when M is a power of two): past the table, no use.
  // Positions and indexes must be small integers (below 2^31) for the table loop, see below.
  const table = p.b <= GOLOMB_DECODE_BITS && to - from >= GOLOMB_TABLE_MIN_CODES && r.end <= SMALL && to <= SMALL
    ? golombDecodeTable(p.m) : undefined;
  let left = budget;
  if (table === undefined) {
    for (let i = from; i < to; i++) {
      const v = readGolomb(r, p, Math.min(left, 0xffffffff));
      left -= v;
      out[i] = v;
    }
    return;
  }
  // `| 0` (exact here) hands V8 small integers even when the reader's fields or MALCOM's
  // counts are stored as doubles: a double argument deoptimizes the table loop, which then
  // re-optimizes for doubles at half the speed for every caller.
  const bytes = r.bytes;
  const end = r.end | 0;
  const stop = to | 0;
  let pos = r.bitPosition | 0;
  let i = from | 0;
  while (i < stop) {
    i = decodeTableRun(bytes, table, GOLOMB_DECODE_BITS, out, i, stop, pos, end, left);
    pos = tableRunEnd.pos;
    left = tableRunEnd.left;
    if (i >= stop) break;
    r.seek(pos);
    const v = readGolomb(r, p, Math.min(left, 0xffffffff));
    left -= v;
    out[i++] = v;
    pos = r.bitPosition | 0;
  }
  r.seek(pos);
}

export function encodeGolombArray(values: ArrayLike<number>, m: number): CodedBits {
  const p = golombParams(m);
  const w = new BitWriter(values.length + 16);
  writeGolombCodes(w, values, 0, values.length, p);
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
  readGolombCodes(r, p, out, 0, count);
  return out;
}

// A few small calls at load give every site of the encoder loop type feedback, including
// the stores after it (V8 allocates feedback only after several calls). Otherwise V8
// optimizes the loop during the first long call (on-stack replacement) before its exit
// ever ran, and that code deoptimized at the exit on every later call (≈ 2500 times in one
// benchmark run). Covers the table path (≥ 256 codes) and a code longer than 32 bits.
{
  // A Uint32Array, like MALCOM's runs: priming with a plain array would make the element
  // loads polymorphic and the loop slower for everyone.
  const prime = Uint32Array.from({ length: GOLOMB_TABLE_MIN_CODES }, (_, i) => (i === 7 ? 200 : i % 70));
  for (let k = 0; k < 32; k++) encodeGolombArray(prime, 3);
}
