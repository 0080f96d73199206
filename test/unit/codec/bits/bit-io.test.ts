import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { BitReader, BitWriter, CodecError } from '@edgefl/codec';

test('writer then reader round-trips arbitrary (value, width) sequences', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 32 }).chain((n) => fc.tuple(fc.constant(n), n === 0 ? fc.constant(0) : fc.integer({ min: 0, max: 2 ** n - 1 }))), { maxLength: 200 }),
      (items) => {
        const w = new BitWriter(1);
        let total = 0;
        for (const [n, v] of items) { w.writeBits(v, n); total += n; }
        assert.equal(w.bitLength, total);
        const bytes = w.finish();
        assert.equal(bytes.length, Math.ceil(total / 8));
        const r = new BitReader(bytes, total);
        for (const [n, v] of items) assert.equal(r.readBits(n), v);
        assert.equal(r.bitsRemaining, 0);
      },
    ),
  );
});

test('bit order is MSB-first and padding is zero', () => {
  const w = new BitWriter();
  w.writeBit(1);
  w.writeBits(0b01, 2);
  w.writeBits(0xabc, 12);
  assert.deepEqual([...w.finish()], [0b10110101, 0b01111000]);
  const full = new BitWriter();
  full.writeBits(0xffffffff, 32);
  full.writeBits(0x12345678, 32);
  assert.deepEqual([...full.finish()], [0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78]);
  const r = new BitReader(full.finish());
  assert.equal(r.readBits(32), 0xffffffff);
  assert.equal(r.readBits(4), 1);
  assert.equal(r.bitPosition, 36);
});

test('writer rejects values that do not fit and bad widths', () => {
  const w = new BitWriter();
  assert.throws(() => w.writeBits(4, 2), RangeError);
  assert.throws(() => w.writeBits(-1, 8), RangeError);
  assert.throws(() => w.writeBits(1.5, 8), RangeError);
  assert.throws(() => w.writeBits(0, 33), RangeError);
  assert.throws(() => w.writeBit(2), RangeError);
  assert.equal(w.bitLength, 0);
});

test('reader throws CodecError past the end, including at the declared bit length', () => {
  const r = new BitReader(new Uint8Array([0xff, 0x00]), 10);
  assert.equal(r.readBits(9), 0x1fe);
  assert.equal(r.readBit(), 0);
  assert.throws(() => r.readBit(), CodecError);
  assert.throws(() => r.readBits(1), CodecError);
  assert.throws(() => new BitReader(new Uint8Array(1), 9), CodecError);
});

test('readUnary counts zeros across words and bounds hostile runs', () => {
  const w = new BitWriter();
  for (const z of [0, 1, 7, 23, 24, 25, 100]) { w.writeZeros(z); w.writeBit(1); }
  const bytes = w.finish();
  const r = new BitReader(bytes, w.bitLength);
  for (const z of [0, 1, 7, 23, 24, 25, 100]) assert.equal(r.readUnary(1000), z);
  assert.throws(() => new BitReader(new Uint8Array(64)).readUnary(1e9), CodecError);
  assert.throws(() => new BitReader(new Uint8Array(64)).readUnary(10), CodecError);
  const z30 = new BitWriter(); z30.writeZeros(30); z30.writeBit(1);
  assert.throws(() => new BitReader(z30.finish()).readUnary(29), CodecError);
  assert.equal(new BitReader(z30.finish()).readUnary(30), 30);
});

test('writeBitsFrom appends aligned and unaligned bit strings exactly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 40 }), fc.nat(), (lead, src, cut) => {
      const bits = src.length === 0 ? 0 : cut % (src.length * 8 + 1);
      const w = new BitWriter(1);
      w.writeBits(0, lead);
      w.writeBitsFrom(src, bits);
      w.writeBits(1, 1);
      assert.equal(w.bitLength, lead + bits + 1);
      const r = new BitReader(w.finish(), w.bitLength);
      r.skipBits(lead);
      for (let i = 0; i < bits; i++) assert.equal(r.readBit(), (src[i >>> 3]! >>> (7 - (i & 7))) & 1);
      assert.equal(r.readBit(), 1);
    }),
  );
});

test('peek32 returns the next 32 bits at any offset without consuming them (zeros past the end)', () => {
  const bytes = Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc);
  const r = new BitReader(bytes);
  assert.equal(r.peek32(), 0x12345678);
  r.skipBits(4);
  assert.equal(r.peek32(), 0x23456789);
  assert.equal(r.bitPosition, 4);
  r.skipBits(13);
  assert.equal(r.peek32(), ((0x56789abc << 1) >>> 0));
  r.skipBits(20);
  assert.equal(r.peek32(), (0b01010111100 << 21) >>> 0); // bits 37..47 then zero padding
});

test('long sequences cross the 32-bit accumulator boundary at every alignment', () => {
  const rng = new Rng(3);
  const w = new BitWriter(1);
  const items: Array<[number, number]> = [];
  for (let i = 0; i < 20_000; i++) {
    const n = rng.int(33);
    const v = n === 0 ? 0 : n === 32 ? rng.nextUint32() : rng.nextUint32() >>> (32 - n);
    items.push([v, n]);
    w.writeBits(v, n);
  }
  const r = new BitReader(w.finish(), w.bitLength);
  for (const [v, n] of items) assert.equal(r.readBits(n), v);
});
