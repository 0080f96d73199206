import { BitReader } from '../bits/bit-reader.js';
import { BitWriter } from '../bits/bit-writer.js';
import { CodecError } from '../errors.js';
import { eliasOmegaLength, readEliasOmega, writeEliasOmega } from './elias.js';

/**
 * The two Elias codings of QSGD's signed levels l_i ∈ {−s..s} (after the 32-bit norm).
 *
 * Runs (QSGD's own coding, Alistarh et al. 2017 §3.2 "Code"): for each non-zero level, in
 * index order, Elias-ω of the run length r = i_k − i_{k−1} (i_0 = −1, so r ≥ 1 counts the
 * zeros skipped plus one), a sign bit (1 = negative), then Elias-ω of |l_i| ≥ 1. Zeros cost
 * nothing by themselves:
 *   bits = Σ_{l_i ≠ 0} (|ω(r_i)| + 1 + |ω(|l_i|)|).
 *
 * Per coordinate (the older edgefl form, kept as `coder: 'per-coordinate'`): ω(|l_i| + 1)
 * for every coordinate and a sign bit after each non-zero one:
 *   bits = Σ_i (|ω(|l_i| + 1)| + [l_i ≠ 0]).
 *
 * Both end with the body's last byte padded with 1 bits: every ω code ends in a 0 bit, so a
 * tail of fewer than 8 one bits is never a code and the decoder can tell padding from data.
 */

/** Writes the runs form; returns nothing, the writer's bitLength is the payload. */
export function writeQsgdRuns(w: BitWriter, levels: Int32Array): void {
  let prev = -1;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l === 0) continue;
    writeEliasOmega(w, i - prev);
    if (l < 0) {
      w.writeBit(1);
      writeEliasOmega(w, -l);
    } else {
      w.writeBit(0);
      writeEliasOmega(w, l);
    }
    prev = i;
  }
}

/** Bits of the runs form for these levels (the formula above, for budgets and tests). */
export function qsgdRunsLength(levels: Int32Array): number {
  let bits = 0;
  let prev = -1;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (l === 0) continue;
    bits += eliasOmegaLength(i - prev) + 1 + eliasOmegaLength(l < 0 ? -l : l);
    prev = i;
  }
  return bits;
}

export function writeQsgdPerCoordinate(w: BitWriter, levels: Int32Array): void {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    writeEliasOmega(w, (l < 0 ? -l : l) + 1);
    if (l !== 0) w.writeBit(l < 0 ? 1 : 0);
  }
}

/** Pads the last byte with 1 bits (see above). */
export function padWithOnes(body: Uint8Array, bits: number): Uint8Array {
  const pad = body.length * 8 - bits;
  if (pad > 0) body[body.length - 1]! |= (1 << pad) - 1;
  return body;
}

/** True when only padding is left: fewer than 8 bits, all ones (consumes them then). */
function atPadding(r: BitReader): boolean {
  const left = r.bitsRemaining;
  if (left === 0) return true;
  if (left >= 8) return false;
  const at = r.bitPosition;
  if (r.readBits(left) === (1 << left) - 1) return true;
  r.seek(at);
  return false;
}

/**
 * Decodes the runs form into out[i] = ±a·|l_i| (out must be zero-filled, length = dim).
 * Hostile input: a run past `dim`, a level above s, a truncated code or non-padding tail
 * raise CodecError; each record is ≥ 3 bits, so the loop is bounded by the body.
 */
export function readQsgdRuns(codec: string, r: BitReader, s: number, a: number, out: Float32Array): void {
  const dim = out.length;
  let pos = -1;
  while (!atPadding(r)) {
    const run = readEliasOmega(r);
    if (run > dim - 1 - pos) {
      throw new CodecError(`${codec}: run length ${run} after index ${pos} passes the last coordinate ${dim - 1} (wrong dimension or corrupted body)`);
    }
    pos += run;
    const negative = r.readBit();
    const l = readEliasOmega(r);
    if (l > s) throw new CodecError(`${codec}: level ${l} at index ${pos} exceeds s = ${s}`);
    out[pos] = negative ? -a * l : a * l;
  }
}

/** Decodes the per-coordinate form (dim codes, then padding) into out (zero-filled). */
export function readQsgdPerCoordinate(codec: string, r: BitReader, s: number, a: number, out: Float32Array): void {
  const dim = out.length;
  for (let i = 0; i < dim; i++) {
    const l = readEliasOmega(r) - 1;
    if (l > s) throw new CodecError(`${codec}: level ${l} at index ${i} exceeds s = ${s}`);
    if (l > 0) out[i] = r.readBit() ? -a * l : a * l;
  }
  const left = r.bitsRemaining;
  if (left >= 8 || r.readBits(left) !== (1 << left) - 1) {
    throw new CodecError(`${codec}: ${left} bits left after ${dim} coordinates are not padding (wrong dimension or trailing bytes)`);
  }
}
