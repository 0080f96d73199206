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

/** Fewer codes than this do not pay for building a table (MALCOM's rare levels, small arrays). */
export const GOLOMB_TABLE_MIN_CODES = 256;

const decodeCache = new Map<number, Uint32Array>();
const encodeCache = new Map<number, Uint32Array>();
const CACHE_LIMIT = 64;

/** Code and length of v for Golomb parameter m (b = ⌈log₂m⌉, cutoff = 2^b − m), as `writeGolomb` writes it. */
function codeOf(v: number, m: number, b: number, cutoff: number): { code: number; len: number } {
  const q = Math.floor(v / m);
  const rem = v - q * m;
  const nb = rem < cutoff ? b - 1 : b;
  const code = rem < cutoff ? rem : rem + cutoff;
  return { code: 2 ** nb + code, len: q + 1 + nb }; // the q leading zeros are implicit in len
}

function bitsOf(m: number): { b: number; cutoff: number } {
  const b = m === 1 ? 0 : 32 - Math.clz32(m - 1);
  return { b, cutoff: 2 ** b - m };
}

/** Indexed by v < ENCODE_VALUES: code·64 + length, or 0 when the code is longer than 26 bits. */
function buildEncode(m: number): Uint32Array {
  const { b, cutoff } = bitsOf(m);
  const encode = new Uint32Array(GOLOMB_ENCODE_VALUES);
  for (let v = 0; v < GOLOMB_ENCODE_VALUES; v++) {
    const { code, len } = codeOf(v, m, b, cutoff);
    if (len <= 26) encode[v] = code * 64 + len;
  }
  return encode;
}

/**
 * Indexed by the next DECODE_BITS bits: value·32 + length of the code they start with, or 0
 * when that code is longer than DECODE_BITS (the caller decodes it with clz32).
 */
function buildDecode(m: number): Uint32Array {
  const { b, cutoff } = bitsOf(m);
  // Every index whose top `len` bits are a code maps to it; codes are prefix-free, so the
  // ranges do not overlap. Stop at the first quotient whose shortest code (q + b bits or
  // more) is too long: every later value is at least as long.
  const K = GOLOMB_DECODE_BITS;
  const decode = new Uint32Array(1 << K);
  for (let v = 0; Math.floor(v / m) + b <= K; v++) {
    const { code, len } = codeOf(v, m, b, cutoff);
    if (len > K) continue;
    const start = code << (K - len);
    decode.fill(v * 32 + len, start, start + (1 << (K - len)));
  }
  return decode;
}

function cached(cache: Map<number, Uint32Array>, m: number, build: (m: number) => Uint32Array): Uint32Array {
  let t = cache.get(m);
  if (t === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    t = build(m);
    cache.set(m, t);
  }
  return t;
}

export function golombEncodeTable(m: number): Uint32Array {
  return cached(encodeCache, m, buildEncode);
}

export function golombDecodeTable(m: number): Uint32Array {
  return cached(decodeCache, m, buildDecode);
}
