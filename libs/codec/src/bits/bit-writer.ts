/**
 * MSB-first bit sink over a growable byte buffer. Pending bits live in a small integer
 * accumulator (< 8 bits between calls), so writing never allocates per bit; the buffer
 * doubles when full.
 */
export class BitWriter {
  private buf: Uint8Array;
  /** index of the next whole byte to write */
  private pos = 0;
  /** pending bits (the low `accBits` bits), always fewer than 8 between calls */
  private acc = 0;
  private accBits = 0;

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
    if (this.pos + 5 > this.buf.length) this.grow(5);
    if (n > 24) {
      this.push(value >>> 16, n - 16);
      this.push(value & 0xffff, 16);
    } else {
      this.push(value, n);
    }
  }

  writeBit(b: number): void {
    if (b !== 0 && b !== 1) throw new RangeError(`BitWriter.writeBit: bit must be 0 or 1, got ${b}`);
    if (this.pos + 1 > this.buf.length) this.grow(1);
    this.push(b, 1);
  }

  /** Appends `n` zero bits (used by unary codes); n ≥ 0. */
  writeZeros(n: number): void {
    if (!(n >= 0) || Math.floor(n) !== n) throw new RangeError(`BitWriter.writeZeros: n must be a non-negative integer, got ${n}`);
    let left = n;
    while (left > 0) {
      const k = left > 24 ? 24 : left;
      if (this.pos + 4 > this.buf.length) this.grow(4);
      this.push(0, k);
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
    if (this.pos + whole + 2 > this.buf.length) this.grow(whole + 2);
    if (this.accBits === 0) {
      this.buf.set(bytes.subarray(0, whole), this.pos);
      this.pos += whole;
    } else {
      for (let i = 0; i < whole; i++) this.push(bytes[i]!, 8);
    }
    if (tail > 0) this.push(bytes[whole]! >>> (8 - tail), tail);
  }

  /**
   * The bytes written, zero-padded to a whole byte (a copy; the writer stays usable).
   * Padding bits = 8·length − bitLength.
   */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos + (this.accBits > 0 ? 1 : 0));
    out.set(this.buf.subarray(0, this.pos));
    if (this.accBits > 0) out[this.pos] = (this.acc << (8 - this.accBits)) & 0xff;
    return out;
  }

  /** Appends n ≤ 24 bits; the caller has ensured 4 free bytes. acc stays < 2^31. */
  private push(v: number, n: number): void {
    let acc = (this.acc << n) | v;
    let bits = this.accBits + n;
    const buf = this.buf;
    let pos = this.pos;
    while (bits >= 8) {
      bits -= 8;
      buf[pos++] = acc >>> bits;
    }
    this.acc = acc & ((1 << bits) - 1);
    this.accBits = bits;
    this.pos = pos;
  }

  private grow(extra: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.pos + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}
