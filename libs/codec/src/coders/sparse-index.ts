import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { readFixed } from '../bits/fixed-width.js';
import { CodecError } from '../errors.js';
import { eliasOmegaLength, readEliasOmega, writeEliasOmega, type CodedBits } from './elias.js';
import { golombLength, golombParams, optimalGolombParameter, readGolomb, writeGolomb } from './golomb.js';

/**
 * Codes a sorted set of k distinct positions in [0, d) (the support of a sparse update:
 * top-k, threshold ternary, …) in whichever of two forms is smaller, after a 1-bit flag:
 *
 *  flag 0, bitmap: d bits, bit i set iff i is in the set.
 *  flag 1, gaps:   Elias-ω(k + 1), then the k gaps g_j = p_j − p_{j−1} − 1 (p_{−1} = −1),
 *                  each Golomb-coded with M = the Gallager–van Voorhis optimum for
 *                  density k/d (gaps of a uniformly random support are ≈ geometric, and
 *                  Golomb with that M is the optimal prefix code for geometric gaps;
 *                  M is derived from k and d, so it costs no bits).
 * The gap form wins below a density of roughly 0.3; the bitmap above.
 */

function checkDim(d: number): void {
  if (!(d >= 0 && d <= 0xfffffffe) || Math.floor(d) !== d) throw new RangeError(`dimension must be an integer in 0..2^32-2, got ${d}`);
}

function checkPositions(positions: ArrayLike<number>, d: number): void {
  let prev = -1;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (!(p > prev && p < d) || Math.floor(p) !== p) {
      throw new RangeError(`positions must be strictly increasing integers in [0, ${d}); got ${p} at index ${i} after ${prev}`);
    }
    prev = p;
  }
}

function gapParams(k: number, d: number): ReturnType<typeof golombParams> {
  return golombParams(optimalGolombParameter(k / d));
}

/** Bits of the gap form (without the flag). */
function gapBits(positions: ArrayLike<number>, d: number): number {
  const k = positions.length;
  let bits = eliasOmegaLength(k + 1);
  if (k === 0) return bits;
  const p = gapParams(k, d);
  let prev = -1;
  for (let i = 0; i < k; i++) {
    bits += golombLength(positions[i]! - prev - 1, p);
    prev = positions[i]!;
  }
  return bits;
}

/** Exact bits `encodeSparseIndex` writes: 1 + min(d, gap form). */
export function sparseIndexBits(positions: ArrayLike<number>, d: number): number {
  checkDim(d);
  checkPositions(positions, d);
  return 1 + Math.min(d, gapBits(positions, d));
}

/** Appends the set to a writer (side info inside a larger message). */
export function writeSparseIndex(w: BitWriter, positions: ArrayLike<number>, d: number): void {
  checkDim(d);
  checkPositions(positions, d);
  const k = positions.length;
  if (d <= gapBits(positions, d)) {
    w.writeBit(0);
    let next = 0;
    for (let i = 0; i < k; i++) {
      const p = positions[i]!;
      w.writeZeros(p - next);
      w.writeBit(1);
      next = p + 1;
    }
    w.writeZeros(d - next);
    return;
  }
  w.writeBit(1);
  writeEliasOmega(w, k + 1);
  if (k === 0) return;
  const gp = gapParams(k, d);
  let prev = -1;
  for (let i = 0; i < k; i++) {
    writeGolomb(w, positions[i]! - prev - 1, gp);
    prev = positions[i]!;
  }
}

/**
 * Reads a set written for dimension `d`. k is checked against d and the bits left before
 * allocating; every position is checked to stay below d.
 */
export function readSparseIndex(r: BitReader, d: number): Uint32Array {
  checkDim(d);
  if (r.readBit() === 0) {
    if (d > r.bitsRemaining) throw new CodecError(`bitmap of ${d} bits but only ${r.bitsRemaining} remain`, 'the message was truncated or its dimension does not match the receiver\'s model');
    const flags = readFixed(r, d, 1, new Uint8Array(d));
    let k = 0;
    for (let i = 0; i < d; i++) k += flags[i]!;
    const out = new Uint32Array(k);
    for (let i = 0, j = 0; j < k; i++) if (flags[i] === 1) out[j++] = i;
    return out;
  }
  const k = readEliasOmega(r) - 1;
  if (k > d || k > r.bitsRemaining) {
    throw new CodecError(`sparse index claims ${k} positions for dimension ${d} with ${r.bitsRemaining} bits left`, 'the message is corrupted or its dimension does not match the receiver\'s model');
  }
  const out = new Uint32Array(k);
  if (k === 0) return out;
  const gp = gapParams(k, d);
  let next = 0; // smallest position still allowed
  for (let i = 0; i < k; i++) {
    // Remaining k − i − 1 positions must still fit below d.
    const g = readGolomb(r, gp, d - next - (k - i));
    const p = next + g;
    out[i] = p;
    next = p + 1;
  }
  return out;
}

export function encodeSparseIndex(positions: ArrayLike<number>, d: number): CodedBits {
  const w = new BitWriter(64);
  writeSparseIndex(w, positions, d);
  return { bytes: w.finish(), bits: w.bitLength };
}

export function decodeSparseIndex(bytes: Uint8Array, d: number, bitLength = bytes.length * 8): Uint32Array {
  return readSparseIndex(new BitReader(bytes, bitLength), d);
}
