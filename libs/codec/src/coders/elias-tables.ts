import { BitWriter } from '../bits/bit-writer.js';
import type { EliasKind } from './elias.js';

/**
 * Lookup tables for the Elias array coders (issue 3: ≥ 50 M symbols/s). Decoding is a serial
 * chain (a code's length says where the next starts); with the table, the next
 * ELIAS_DECODE_BITS bits give value and length in one load instead of a loop over ω's groups.
 * Encoding n < ELIAS_ENCODE_VALUES is one load of the whole code. Built on first use per kind
 * from the bit-serial writers, so the tables cannot disagree with them.
 */

/** 2^12 four-byte entries (16 KiB): every code of n ≤ 63 for ω, n ≤ 63 for γ, n ≤ 127 for δ. */
export const ELIAS_DECODE_BITS = 12;
/** Values below this are encoded from the table (all their codes are ≤ 15 bits). */
export const ELIAS_ENCODE_VALUES = 256;

export interface EliasTables {
  /** Indexed by the next DECODE_BITS bits: n·32 + length of the code they start with, or 0 if longer. */
  readonly decode: Uint32Array;
  /** Indexed by n < ENCODE_VALUES (entry 0 unused): code·64 + length. */
  readonly encode: Uint32Array;
}

const tables = new Map<EliasKind, EliasTables>();

/** The code of n as an integer (MSB-first) and its length, from the bit-serial writer. */
function codeOf(write: (w: BitWriter, n: number) => void, n: number): { code: number; len: number } {
  const w = new BitWriter(16);
  write(w, n);
  const bytes = w.finish();
  const len = w.bitLength;
  let code = 0;
  for (let i = 0; i < len; i++) code = code * 2 + ((bytes[i >>> 3]! >>> (7 - (i & 7))) & 1);
  return { code, len };
}

export function eliasTables(kind: EliasKind, write: (w: BitWriter, n: number) => void): EliasTables {
  let t = tables.get(kind);
  if (t !== undefined) return t;
  const K = ELIAS_DECODE_BITS;
  const decode = new Uint32Array(1 << K);
  const encode = new Uint32Array(ELIAS_ENCODE_VALUES);
  // Code lengths never decrease with n, so the decodable codes are n = 1 … the first too long.
  let decodable = true;
  for (let n = 1; n < ELIAS_ENCODE_VALUES || decodable; n++) {
    const { code, len } = codeOf(write, n);
    if (n < ELIAS_ENCODE_VALUES) encode[n] = code * 64 + len;
    if (len > K) decodable = false;
    if (!decodable) continue;
    const start = code << (K - len); // prefix-free: the ranges of different codes do not overlap
    decode.fill(n * 32 + len, start, start + (1 << (K - len)));
  }
  t = { decode, encode };
  tables.set(kind, t);
  return t;
}
