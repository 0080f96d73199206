import { CodecError } from '../errors.js';
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';

/** Integer arrays a decoder can fill with symbols. */
export type SymbolArray = Uint8Array | Uint16Array | Uint32Array;

/** Bytes needed for `count` symbols of `width` bits (zero-padded to a byte). */
export function fixedByteLength(count: number, width: number): number {
  return Math.ceil((count * width) / 8);
}

function checkWidth(width: number): void {
  if (!(width >= 1 && width <= 16) || (width | 0) !== width) {
    throw new RangeError(`fixed-width packing needs an integer width in 1..16, got ${width}`);
  }
}

function badSymbol(i: number, s: number, width: number): RangeError {
  return new RangeError(`symbol ${s} at index ${i} does not fit in ${width} bits (0..${2 ** width - 1})`);
}

/**
 * Packs symbols (each < 2^width) MSB-first, `width` bits each, zero-padded to a byte.
 * Widths 1, 2, 4, 8 and 16 fill whole bytes directly; others run a bit accumulator.
 */
export function packFixed(symbols: ArrayLike<number>, width: number): Uint8Array {
  checkWidth(width);
  const n = symbols.length;
  const out = new Uint8Array(fixedByteLength(n, width));
  const max = (1 << width) - 1;
  // One validity pass keeps the packing loops branch-free.
  for (let i = 0; i < n; i++) {
    const s = symbols[i]!;
    if (s >>> 0 !== s || s > max) throw badSymbol(i, s, width);
  }
  switch (width) {
    case 8:
      for (let i = 0; i < n; i++) out[i] = symbols[i]!;
      return out;
    case 16:
      for (let i = 0, j = 0; i < n; i++, j += 2) {
        const s = symbols[i]!;
        out[j] = s >>> 8;
        out[j + 1] = s;
      }
      return out;
    case 1:
    case 2:
    case 4: {
      const per = 8 / width;
      const whole = Math.floor(n / per);
      let i = 0;
      for (let j = 0; j < whole; j++) {
        let b = 0;
        for (let k = 0; k < per; k++) b = (b << width) | symbols[i++]!;
        out[j] = b;
      }
      if (i < n) {
        let b = 0;
        let k = 0;
        for (; i < n; i++, k++) b = (b << width) | symbols[i]!;
        out[whole] = b << ((per - k) * width);
      }
      return out;
    }
    default: {
      let acc = 0;
      let bits = 0;
      let j = 0;
      for (let i = 0; i < n; i++) {
        acc = (acc << width) | symbols[i]!;
        bits += width;
        while (bits >= 8) {
          bits -= 8;
          out[j++] = acc >>> bits;
        }
        acc &= (1 << bits) - 1;
      }
      if (bits > 0) out[j] = acc << (8 - bits);
      return out;
    }
  }
}

/**
 * Unpacks `count` symbols of `width` bits. Validates `count` against the bytes available
 * before allocating, so a hostile count cannot trigger a huge allocation. Without `out`,
 * returns a Uint8Array for width ≤ 8 and a Uint16Array otherwise.
 */
export function unpackFixed(bytes: Uint8Array, count: number, width: number): Uint8Array | Uint16Array;
export function unpackFixed<T extends SymbolArray>(bytes: Uint8Array, count: number, width: number, out: T): T;
export function unpackFixed(bytes: Uint8Array, count: number, width: number, out?: SymbolArray): SymbolArray {
  checkWidth(width);
  if (!(count >= 0) || Math.floor(count) !== count) {
    throw new CodecError(`symbol count ${count} is not a non-negative integer`, 'the message header is corrupted');
  }
  if (count * width > bytes.length * 8) {
    throw new CodecError(
      `${count} symbols of ${width} bits need ${fixedByteLength(count, width)} bytes, body has ${bytes.length}`,
      'the message was truncated or its dimension does not match the codec; check both sides use the same model and codec',
    );
  }
  const dst = out ?? (width <= 8 ? new Uint8Array(count) : new Uint16Array(count));
  if (dst.length < count) throw new RangeError(`unpackFixed: output holds ${dst.length} symbols, need ${count}`);
  if (dst instanceof Uint8Array && width > 8) throw new RangeError(`unpackFixed: a Uint8Array cannot hold ${width}-bit symbols`);
  unpackInto(bytes, count, width, dst);
  return dst;
}

/** The hot loops, with arguments already validated. */
function unpackInto(bytes: Uint8Array, count: number, width: number, dst: SymbolArray): void {
  switch (width) {
    case 8:
      for (let i = 0; i < count; i++) dst[i] = bytes[i]!;
      return;
    case 16:
      for (let i = 0, j = 0; i < count; i++, j += 2) dst[i] = (bytes[j]! << 8) | bytes[j + 1]!;
      return;
    case 1:
    case 2:
    case 4: {
      const per = 8 / width;
      const mask = (1 << width) - 1;
      const whole = Math.floor(count / per);
      let i = 0;
      for (let j = 0; j < whole; j++) {
        const b = bytes[j]!;
        for (let shift = 8 - width; shift >= 0; shift -= width) dst[i++] = (b >>> shift) & mask;
      }
      if (i < count) {
        const b = bytes[whole]!;
        for (let shift = 8 - width; i < count; shift -= width) dst[i++] = (b >>> shift) & mask;
      }
      return;
    }
    default: {
      const mask = (1 << width) - 1;
      let acc = 0;
      let bits = 0;
      let j = 0;
      for (let i = 0; i < count; i++) {
        while (bits < width) {
          acc = ((acc << 8) | bytes[j++]!) & 0xffffff;
          bits += 8;
        }
        bits -= width;
        dst[i] = (acc >>> bits) & mask;
      }
    }
  }
}

/** Appends `symbols` at `width` bits each to a writer (side info inside a larger message). */
export function writeFixed(w: BitWriter, symbols: ArrayLike<number>, width: number): void {
  const packed = packFixed(symbols, width);
  w.writeBitsFrom(packed, symbols.length * width);
}

/** Reads `count` symbols of `width` bits from a reader into `out` (allocated if absent). */
export function readFixed(r: BitReader, count: number, width: number): Uint8Array | Uint16Array;
export function readFixed<T extends SymbolArray>(r: BitReader, count: number, width: number, out: T): T;
export function readFixed(r: BitReader, count: number, width: number, out?: SymbolArray): SymbolArray {
  checkWidth(width);
  if (!(count >= 0) || Math.floor(count) !== count) {
    throw new CodecError(`symbol count ${count} is not a non-negative integer`, 'the message header is corrupted');
  }
  const bits = count * width;
  if (bits > r.bitsRemaining) {
    throw new CodecError(
      `${count} symbols of ${width} bits need ${bits} bits, only ${r.bitsRemaining} remain`,
      'the message was truncated or its dimension does not match the codec',
    );
  }
  const dst = out ?? (width <= 8 ? new Uint8Array(count) : new Uint16Array(count));
  if (dst.length < count) throw new RangeError(`readFixed: output holds ${dst.length} symbols, need ${count}`);
  if (dst instanceof Uint8Array && width > 8) throw new RangeError(`readFixed: a Uint8Array cannot hold ${width}-bit symbols`);
  const rest = r.alignedRest();
  if (rest !== undefined) {
    unpackInto(rest, count, width, dst);
    r.skipBits(bits);
  } else {
    for (let i = 0; i < count; i++) dst[i] = r.readBits(width);
  }
  return dst;
}
