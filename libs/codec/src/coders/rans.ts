import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import { symbolCounts } from './symbol-counts.js';
import { eliasDeltaLength, eliasOmegaLength, readEliasDelta, readEliasOmega, writeEliasDelta, writeEliasOmega, type CodedBits } from './elias.js';

/**
 * Range asymmetric numeral systems (Duda 2013; byte-wise renormalisation after Giesen's
 * "rans_byte"): a 32-bit state x ∈ [2^23, 2^31), symbols coded with frequencies f_s
 * summing to M = 2^scaleBits. Coding s maps x → ⌊x/f_s⌋·M + (x mod f_s) + c_s, which costs
 * log₂(M/f_s) bits, so a message costs ≈ n·H + the table + 32 bits of final state.
 *
 * Message layout (MSB-first):
 *   scaleBits − 1 (4 bits) · frequency table (see writeTable) · zero padding to a byte ·
 *   rANS stream: final encoder state (4 bytes, big-endian) then renormalisation bytes.
 * With a single distinct symbol the stream is empty (its frequency is M: no information).
 * An empty input is an empty body.
 */

export const RANS_MAX_ALPHABET = 65536;
const RANS_L = 1 << 23;
const MAX_SCALE_BITS = 16;

export interface RansCoded extends CodedBits {
  /** bits of the scale + frequency table (before padding) */
  readonly tableBits: number;
}

export type RansSymbols = Uint8Array | Uint16Array | Uint32Array;

function checkAlphabet(alphabet: number): void {
  if (!(alphabet >= 1 && alphabet <= RANS_MAX_ALPHABET) || (alphabet | 0) !== alphabet) {
    throw new RangeError(`rANS alphabet must be an integer in 1..${RANS_MAX_ALPHABET}, got ${alphabet}`);
  }
}

/** Precision: ⌈log₂ n⌉ clamped to 1..16: enough resolution for n symbols, no table bloat. */
export function ransScaleBits(n: number): number {
  return Math.min(MAX_SCALE_BITS, Math.max(1, Math.ceil(Math.log2(Math.max(2, n)))));
}

/**
 * Quantises counts to frequencies summing to 2^scaleBits with every present symbol ≥ 1:
 * floor of the proportional share (at least 1), then the shortfall goes to the largest
 * fractional remainders and any excess (from symbols lifted to 1) is taken one at a time,
 * round-robin, from the largest frequencies, where it costs the least.
 */
export function quantizeFrequencies(counts: ArrayLike<number>, scaleBits: number): Uint32Array {
  const a = counts.length;
  const total = 2 ** scaleBits;
  let n = 0;
  let present = 0;
  for (let s = 0; s < a; s++) {
    n += counts[s]!;
    if (counts[s]! > 0) present++;
  }
  if (present > total) throw new RangeError(`${present} distinct symbols cannot fit a 2^${scaleBits} frequency table`);
  const freq = new Uint32Array(a);
  if (n === 0) return freq;
  const idx = new Uint32Array(present);
  const frac = new Float64Array(a);
  let sum = 0;
  for (let s = 0, j = 0; s < a; s++) {
    const c = counts[s]!;
    if (c === 0) continue;
    const share = (c * total) / n;
    const f = Math.max(1, Math.floor(share));
    freq[s] = f;
    frac[s] = share - f;
    sum += f;
    idx[j++] = s;
  }
  if (sum < total) {
    idx.sort((x, y) => frac[y]! - frac[x]! || x - y);
    for (let j = 0; sum < total; j = (j + 1) % present, sum++) freq[idx[j]!]!++;
  } else if (sum > total) {
    idx.sort((x, y) => freq[y]! - freq[x]! || x - y);
    for (let j = 0; sum > total; j = (j + 1) % present) {
      const s = idx[j]!;
      if (freq[s]! > 1) {
        freq[s]!--;
        sum--;
      } else if (j === 0) break; // cannot happen: present ≤ total
    }
  }
  return freq;
}

/** Bits of the two table forms; the smaller is written after a 1-bit flag. */
function tableCosts(freq: Uint32Array): { dense: number; sparse: number; present: number } {
  // An absent symbol costs δ(1) = 1 bit in the dense form; only present ones need a length.
  let dense = freq.length;
  let sparse = 0;
  let present = 0;
  let prev = -1;
  for (let s = 0; s < freq.length; s++) {
    const f = freq[s]!;
    if (f === 0) continue;
    dense += eliasDeltaLength(f + 1) - 1;
    sparse += eliasDeltaLength(s - prev) + eliasDeltaLength(f);
    prev = s;
    present++;
  }
  sparse += eliasOmegaLength(present);
  return { dense, sparse, present };
}

/**
 * Table: flag 0 = dense, δ(f_s + 1) for every symbol of the alphabet; flag 1 = sparse,
 * ω(#present) then for each present symbol δ(gap + 1) (gap = symbols skipped) and δ(f_s).
 */
function writeTable(w: BitWriter, freq: Uint32Array): void {
  const { dense, sparse, present } = tableCosts(freq);
  if (dense <= sparse) {
    w.writeBit(0);
    for (let s = 0; s < freq.length; s++) writeEliasDelta(w, freq[s]! + 1);
    return;
  }
  w.writeBit(1);
  writeEliasOmega(w, present);
  let prev = -1;
  for (let s = 0; s < freq.length; s++) {
    if (freq[s]! === 0) continue;
    writeEliasDelta(w, s - prev);
    writeEliasDelta(w, freq[s]!);
    prev = s;
  }
}

function corrupt(what: string): CodecError {
  return new CodecError(`rANS ${what}`, 'the message is corrupted or was produced with a different alphabet; check both sides run the same codec settings');
}

interface DecodedTable {
  readonly freq: Uint32Array;
  /** the symbols with f_s > 0, ascending */
  readonly present: Uint32Array;
}

function readTable(r: BitReader, alphabet: number, total: number): DecodedTable {
  const freq = new Uint32Array(alphabet);
  let sum = 0;
  let present: Uint32Array;
  if (r.readBit() === 0) {
    let k = 0;
    for (let s = 0; s < alphabet; s++) {
      const f = readEliasDelta(r) - 1;
      sum += f;
      if (sum > total) throw corrupt(`frequencies exceed the table total ${total}`);
      freq[s] = f;
      if (f > 0) k++;
    }
    present = new Uint32Array(k);
    for (let s = 0, j = 0; s < alphabet; s++) if (freq[s]! > 0) present[j++] = s;
  } else {
    const k = readEliasOmega(r);
    if (k > alphabet || k > total) throw corrupt(`table lists ${k} symbols for an alphabet of ${alphabet}`);
    present = new Uint32Array(k);
    let s = -1;
    for (let j = 0; j < k; j++) {
      s += readEliasDelta(r);
      if (s >= alphabet) throw corrupt(`table symbol ${s} is outside the alphabet 0..${alphabet - 1}`);
      const f = readEliasDelta(r);
      sum += f;
      if (sum > total) throw corrupt(`frequencies exceed the table total ${total}`);
      freq[s] = f;
      present[j] = s;
    }
  }
  if (sum !== total) throw corrupt(`frequencies sum to ${sum}, expected ${total}`);
  return { freq, present };
}

/** Encodes symbols (each < alphabet) with a per-message frequency table. */
export function encodeRans(symbols: RansSymbols, alphabet: number): RansCoded {
  checkAlphabet(alphabet);
  const n = symbols.length;
  if (n === 0) return { bytes: new Uint8Array(0), bits: 0, tableBits: 0 };
  const counts = symbolCounts(symbols, alphabet);
  const scaleBits = ransScaleBits(n);
  const freq = quantizeFrequencies(counts, scaleBits);
  const w = new BitWriter(64);
  w.writeBits(scaleBits - 1, 4);
  writeTable(w, freq);
  const tableBits = w.bitLength;
  const head = w.finish();

  let distinct = 0;
  for (let s = 0; s < alphabet; s++) if (freq[s]! > 0) distinct++;
  if (distinct === 1) return { bytes: head, bits: head.length * 8, tableBits };

  // Per-symbol coding constants, so the hot loop only indexes typed arrays.
  const start = new Uint32Array(alphabet);
  const xmax = new Float64Array(alphabet);
  for (let s = 0, c = 0; s < alphabet; s++) {
    start[s] = c;
    c += freq[s]!;
    xmax[s] = ((RANS_L >>> scaleBits) << 8) * freq[s]!;
  }
  // Each symbol emits at most ⌈scaleBits/8⌉ ≤ 2 bytes; rANS writes back to front.
  const buf = new Uint8Array(2 * n + 8);
  let ptr = buf.length;
  let x = RANS_L;
  for (let i = n - 1; i >= 0; i--) {
    const s = symbols[i]!;
    const lim = xmax[s]!;
    while (x >= lim) {
      buf[--ptr] = x & 0xff;
      x >>>= 8;
    }
    const f = freq[s]!;
    const q = (x / f) | 0;
    x = (q << scaleBits) + (x - q * f) + start[s]!;
  }
  buf[--ptr] = x & 0xff;
  buf[--ptr] = (x >>> 8) & 0xff;
  buf[--ptr] = (x >>> 16) & 0xff;
  buf[--ptr] = x >>> 24;
  const streamLen = buf.length - ptr;
  const out = new Uint8Array(head.length + streamLen);
  out.set(head);
  out.set(buf.subarray(ptr), head.length);
  return { bytes: out, bits: out.length * 8, tableBits };
}

/**
 * Decodes `count` symbols. The table is validated (symbols in range, frequencies summing
 * to 2^scaleBits) before the output is allocated; the stream must end exactly with the
 * encoder's initial state, which catches most corruption as `CodecError`.
 */
export function decodeRans(bytes: Uint8Array, count: number, alphabet: number): Uint8Array | Uint16Array {
  checkAlphabet(alphabet);
  if (!(count >= 0 && count <= 0xfffffffe) || Math.floor(count) !== count) {
    throw new CodecError(`symbol count ${count} is not an integer in 0..2^32-2`, 'the message header is corrupted');
  }
  const makeOut = (): Uint8Array | Uint16Array => (alphabet <= 256 ? new Uint8Array(count) : new Uint16Array(count));
  if (count === 0) {
    if (bytes.length !== 0) throw corrupt(`body of ${bytes.length} bytes for zero symbols`);
    return makeOut();
  }
  const r = new BitReader(bytes);
  const scaleBits = r.readBits(4) + 1;
  if (scaleBits !== ransScaleBits(count)) throw corrupt(`precision 2^${scaleBits} does not match ${count} symbols`);
  const total = 2 ** scaleBits;
  const { freq, present } = readTable(r, alphabet, total);
  const streamStart = (r.bitPosition + 7) >>> 3;
  if (present.length === 1) {
    if (streamStart !== bytes.length) throw corrupt(`${bytes.length - streamStart} trailing bytes after a single-symbol table`);
    const out = makeOut();
    out.fill(present[0]!);
    return out;
  }
  const end = bytes.length;
  if (end - streamStart < 4) throw corrupt('stream shorter than its 4-byte state');

  const slotSym = alphabet <= 256 ? new Uint8Array(total) : new Uint16Array(total);
  const start = new Uint32Array(alphabet);
  for (let j = 0, c = 0; j < present.length; j++) {
    const s = present[j]!;
    start[s] = c;
    slotSym.fill(s, c, c + freq[s]!);
    c += freq[s]!;
  }
  const out = makeOut();
  const mask = total - 1;
  let ptr = streamStart;
  let x = ((bytes[ptr]! << 24) | (bytes[ptr + 1]! << 16) | (bytes[ptr + 2]! << 8) | bytes[ptr + 3]!) >>> 0;
  ptr += 4;
  if (x < RANS_L || x >= 0x80000000) throw corrupt(`initial state ${x} outside [2^23, 2^31)`);
  for (let i = 0; i < count; i++) {
    const slot = x & mask;
    const s = slotSym[slot]!;
    x = freq[s]! * (x >>> scaleBits) + slot - start[s]!;
    while (x < RANS_L) {
      if (ptr >= end) throw corrupt(`stream ended after ${i} of ${count} symbols`);
      x = (x << 8) | bytes[ptr++]!;
    }
    out[i] = s;
  }
  if (x !== RANS_L || ptr !== end) throw corrupt('stream does not end in the initial state; it was corrupted or truncated');
  return out;
}
