/**
 * MSB-first bit sink over a growable byte buffer. Pending bits live in a 32-bit
 * accumulator that is flushed four bytes at a time, so a typical write is one shift and
 * one OR, with no allocation; the buffer doubles when full.
 */
export class BitWriter {
  // The state is public for the array encoders of this package (coders/golomb, elias,
  // malcom): they copy it into locals, inline `put` in their loop (a call per symbol costs
  // more than the coding), and store it back. Everyone else uses the methods.
  /** @internal the bytes; [0, pos) are written */
  buf: Uint8Array;
  /** @internal index of the next whole byte to write */
  pos = 0;
  /** @internal pending bits (the low `accBits` bits, higher bits zero), 0 ≤ accBits < 32 between calls */
  acc = 0;
  /** @internal */
  accBits = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(Math.max(16, initialBytes | 0));
  }

  /** Number of bits written so far. */
  get bitLength(): number {
    return this.pos * 8 + this.accBits;
  }

  /** Appends the low `n` bits of `value` (0 ≤ value < 2^n, n in 0..32), most significant first. */
  writeBits(value: number, n: number): void {
    if (!(n >= 0 && n <= 32) || (n | 0) !== n) throw new RangeError(`BitWriter.writeBits: n must be an integer in 0..32, got ${n}`);
    if (value >>> 0 !== value || (n < 32 && value >>> n !== 0)) {
      throw new RangeError(`BitWriter.writeBits: value ${value} does not fit in ${n} bits`);
    }
    this.put(value, n);
  }

  writeBit(b: number): void {
    if (b !== 0 && b !== 1) throw new RangeError(`BitWriter.writeBit: bit must be 0 or 1, got ${b}`);
    this.put(b, 1);
  }

  /** Appends `n` zero bits (used by unary codes); n ≥ 0. */
  writeZeros(n: number): void {
    if (!(n >= 0) || Math.floor(n) !== n) throw new RangeError(`BitWriter.writeZeros: n must be a non-negative integer, got ${n}`);
    let left = n;
    while (left > 0) {
      const k = left > 32 ? 32 : left;
      this.put(0, k);
      left -= k;
    }
  }

  /** Appends the first `bitLength` bits of `bytes` (MSB-first); a bulk copy when byte-aligned. */
  writeBitsFrom(bytes: Uint8Array, bitLength = bytes.length * 8): void {
    if (!(bitLength >= 0 && bitLength <= bytes.length * 8) || Math.floor(bitLength) !== bitLength) {
      throw new RangeError(`BitWriter.writeBitsFrom: bitLength ${bitLength} outside 0..${bytes.length * 8}`);
    }
    const whole = bitLength >>> 3;
    const tail = bitLength & 7;
    if ((this.accBits & 7) === 0) {
      this.flushWholeBytes();
      this.ensure(whole);
      this.buf.set(bytes.subarray(0, whole), this.pos);
      this.pos += whole;
    } else {
      for (let i = 0; i < whole; i++) this.put(bytes[i]!, 8);
    }
    if (tail > 0) this.put(bytes[whole]! >>> (8 - tail), tail);
  }

  /**
   * The bytes written, zero-padded to a whole byte (a copy; the writer stays usable).
   * Padding bits = 8·length − bitLength.
   */
  finish(): Uint8Array {
    const pendingBytes = (this.accBits + 7) >>> 3;
    const out = new Uint8Array(this.pos + pendingBytes);
    out.set(this.buf.subarray(0, this.pos));
    if (this.accBits > 0) {
      // Left-align the pending bits in a 32-bit word and emit its leading bytes.
      const word = (this.acc << (32 - this.accBits)) >>> 0;
      for (let k = 0; k < pendingBytes; k++) out[this.pos + k] = word >>> (24 - 8 * k);
    }
    return out;
  }

  /** Appends n ≤ 32 bits of v (unchecked). Flushes a full 32-bit word when it overflows. */
  private put(v: number, n: number): void {
    const free = 32 - this.accBits;
    if (n < free) {
      this.acc = (this.acc << n) | v;
      this.accBits += n;
      return;
    }
    // Fill the word with the top `free` bits of v, emit it, keep the rest.
    const rest = n - free;
    const word = free === 32 ? v : ((this.acc << free) | (v >>> rest)) >>> 0;
    if (this.pos + 4 > this.buf.length) this.ensure(4);
    const buf = this.buf;
    const p = this.pos;
    buf[p] = word >>> 24;
    buf[p + 1] = word >>> 16;
    buf[p + 2] = word >>> 8;
    buf[p + 3] = word;
    this.pos = p + 4;
    this.acc = rest === 0 ? 0 : v & ((1 << rest) - 1);
    this.accBits = rest;
  }

  /** Moves whole pending bytes from the accumulator to the buffer (accBits becomes < 8). */
  private flushWholeBytes(): void {
    this.ensure(4);
    while (this.accBits >= 8) {
      this.accBits -= 8;
      this.buf[this.pos++] = this.acc >>> this.accBits;
    }
    this.acc &= (1 << this.accBits) - 1;
  }

  /** @internal Room for `extra` more bytes after `pos` (the buffer doubles; `buf` may be replaced). */
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}
