import { CodecError } from '../errors.js';

/**
 * MSB-first bit source over a byte array, the mirror of `BitWriter`. Reading past
 * `bitLength` throws `CodecError` (a truncated or corrupted message), never returns junk.
 */
export class BitReader {
  // `bytes` and `end` are public for the array decoders of this package, which decode from
  // locals in their loop and `seek` to where they stopped.
  /** @internal */
  readonly bytes: Uint8Array;
  /** @internal the bit length: bits at or past it are not part of the message */
  readonly end: number;
  private pos = 0;

  /** `bitLength` defaults to 8·bytes.length; pass the exact payload bits to stop at padding. */
  constructor(bytes: Uint8Array, bitLength = bytes.length * 8) {
    if (!(bitLength >= 0 && bitLength <= bytes.length * 8) || Math.floor(bitLength) !== bitLength) {
      throw new CodecError(
        `bit length ${bitLength} does not fit in a ${bytes.length}-byte body`,
        'the header\'s bit count and the body disagree; the message was truncated or corrupted',
      );
    }
    this.bytes = bytes;
    this.end = bitLength;
  }

  get bitsRemaining(): number {
    return this.end - this.pos;
  }

  get bitPosition(): number {
    return this.pos;
  }

  /** Reads `n` bits (0..32) as an unsigned integer, most significant first. */
  readBits(n: number): number {
    if (!(n >= 0 && n <= 32) || (n | 0) !== n) throw new RangeError(`BitReader.readBits: n must be an integer in 0..32, got ${n}`);
    // `| 0`: callers may pass n as a double (e.g. 2 ** k); added to `pos` as is, it would turn
    // the field into a double for every reader and slow all decoders' position arithmetic.
    const k = n | 0;
    if (k > this.end - this.pos) throw this.truncated(k);
    if (k === 0) return 0;
    if (k > 24) {
      const hi = this.take(k - 16);
      return hi * 65536 + this.take(16);
    }
    return this.take(k);
  }

  readBit(): number {
    if (this.pos >= this.end) throw this.truncated(1);
    const p = this.pos++;
    return (this.bytes[p >>> 3]! >>> (7 - (p & 7))) & 1;
  }

  /**
   * Counts zero bits up to and including the terminating one bit (the unary prefix of
   * Elias and Golomb codes) and returns the number of zeros. More than `maxZeros` zeros
   * is a `CodecError`, so hostile input cannot make a decoder spin.
   */
  readUnary(maxZeros: number): number {
    let zeros = 0;
    for (;;) {
      const rem = this.end - this.pos;
      if (rem <= 0) throw this.truncated(1);
      const k = rem < 24 ? rem : 24;
      const v = this.peek(k);
      if (v === 0) {
        zeros += k;
        this.pos += k;
        if (zeros > maxZeros) throw this.tooLong(maxZeros);
        continue;
      }
      const lead = Math.clz32(v) - (32 - k);
      zeros += lead;
      if (zeros > maxZeros) throw this.tooLong(maxZeros);
      this.pos += lead + 1;
      return zeros;
    }
  }

  /**
   * The next 32 bits as an unsigned integer without consuming them; bits past the end of
   * the bytes read as zero. Fast paths of variable-length decoders decode from this word
   * and then `skipBits` what they used (which still checks the bit length).
   */
  peek32(): number {
    const b = this.bytes;
    const i = this.pos >>> 3;
    const off = this.pos & 7;
    let hi: number;
    let lo: number;
    if (i + 4 < b.length) {
      hi = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
      lo = b[i + 4]!;
    } else {
      hi = ((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0);
      lo = b[i + 4] ?? 0;
    }
    return off === 0 ? hi >>> 0 : ((hi << off) | (lo >>> (8 - off))) >>> 0;
  }

  /** Advances by `n` bits. */
  skipBits(n: number): void {
    if (!(n >= 0) || Math.floor(n) !== n) throw new RangeError(`BitReader.skipBits: n must be a non-negative integer, got ${n}`);
    if (n > this.end - this.pos) throw this.truncated(n);
    this.pos += n;
  }

  /** Moves to bit `position` (0..bit length); the array decoders resume the reader with it. */
  seek(position: number): void {
    if (!(position >= 0) || Math.floor(position) !== position) throw new RangeError(`BitReader.seek: position must be a non-negative integer, got ${position}`);
    if (position > this.end) throw this.truncated(position - this.pos);
    this.pos = position;
  }

  /** The bytes from the current position when it is byte-aligned (for bulk decoders), else undefined. */
  alignedRest(): Uint8Array | undefined {
    if ((this.pos & 7) !== 0) return undefined;
    return this.bytes.subarray(this.pos >>> 3, (this.end + 7) >>> 3);
  }

  /** n in 1..24 bits, already bounds-checked by the caller. */
  private take(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }

  /** The next n (1..24) bits without consuming them; bytes past the buffer read as zero. */
  private peek(n: number): number {
    const b = this.bytes;
    const i = this.pos >>> 3;
    let word: number;
    if (i + 3 < b.length) {
      word = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
    } else {
      word = ((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0);
    }
    return (word << (this.pos & 7)) >>> (32 - n);
  }

  private truncated(n: number): CodecError {
    return new CodecError(
      `truncated bit stream: needed ${n} more bit(s) at bit ${this.pos}, only ${this.end - this.pos} remain`,
      'the message was cut short or its length fields are corrupted; resend it',
    );
  }

  private tooLong(max: number): CodecError {
    return new CodecError(
      `unary prefix longer than ${max} zero bits at bit ${this.pos}`,
      'the coded value exceeds what the declared parameters allow; the message is corrupted',
    );
  }
}
