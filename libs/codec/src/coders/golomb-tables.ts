/**
 * Lookup tables for the Golomb array coders (issue 3: ≥ 50 M symbols/s). Decoding code by
 * code is a serial chain (a code's length says where the next starts), so the chain must be
 * short: peek the next DECODE_BITS bits, one table load gives value and length. Encoding small
 * values is one load of the whole code instead of a division and the truncated-binary split.
 * Tables depend only on M, so they are cached: MALCOM picks a new M per level per message,
 * but the small Ms recur.
 */

/** Bits indexed by the decode table: 2^11 four-byte entries stay well inside L1. */
export const GOLOMB_DECODE_BITS = 11;
/** Values below this are encoded from the table. */
export const GOLOMB_ENCODE_VALUES = 64;

export interface GolombTables {
  /**
   * Indexed by the next DECODE_BITS bits: value·32 + length of the code they start with, or 0
   * when that code is longer than DECODE_BITS (the caller decodes it with clz32).
   */
  readonly decode: Uint32Array;
  /** Indexed by v < ENCODE_VALUES: code·64 + length, or 0 when the code is longer than 26 bits. */
  readonly encode: Uint32Array;
}

const cache = new Map<number, GolombTables>();
const CACHE_LIMIT = 64;

/** Code and length of v for Golomb parameter m (b = ⌈log₂m⌉, cutoff = 2^b − m), as `writeGolomb` writes it. */
function codeOf(v: number, m: number, b: number, cutoff: number): { code: number; len: number } {
  const q = Math.floor(v / m);
  const rem = v - q * m;
  const nb = rem < cutoff ? b - 1 : b;
  const code = rem < cutoff ? rem : rem + cutoff;
  return { code: 2 ** nb + code, len: q + 1 + nb }; // the q leading zeros are implicit in len
}

function build(m: number): GolombTables {
  const b = m === 1 ? 0 : 32 - Math.clz32(m - 1);
  const cutoff = 2 ** b - m;
  const encode = new Uint32Array(GOLOMB_ENCODE_VALUES);
  for (let v = 0; v < GOLOMB_ENCODE_VALUES; v++) {
    const { code, len } = codeOf(v, m, b, cutoff);
    if (len <= 26) encode[v] = code * 64 + len;
  }
  // Every index whose top `len` bits are a code maps to it; codes are prefix-free, so the
  // ranges do not overlap. Values whose code fits are 0 … vmax, in increasing length order
  // within each quotient, so stop at the first quotient whose shortest code is too long.
  const K = GOLOMB_DECODE_BITS;
  const decode = new Uint32Array(1 << K);
  for (let v = 0; ; v++) {
    const { code, len } = codeOf(v, m, b, cutoff);
    if (len > K) {
      if (Math.floor(v / m) + b > K) break; // every later value is at least this long
      continue;
    }
    const start = code << (K - len);
    decode.fill(v * 32 + len, start, start + (1 << (K - len)));
  }
  return { decode, encode };
}

export function golombTables(m: number): GolombTables {
  let t = cache.get(m);
  if (t === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    t = build(m);
    cache.set(m, t);
  }
  return t;
}
