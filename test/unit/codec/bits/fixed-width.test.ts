import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BitReader, BitWriter, CodecError, packFixed, readFixed, unpackFixed, writeFixed } from '@edgefl/codec';

const widthAndSymbols = fc.integer({ min: 1, max: 16 }).chain((width) =>
  fc.tuple(fc.constant(width), fc.array(fc.integer({ min: 0, max: 2 ** width - 1 }), { maxLength: 300 })));

test('packFixed/unpackFixed round-trip every width 1..16 with exact length', () => {
  fc.assert(
    fc.property(widthAndSymbols, ([width, symbols]) => {
      const bytes = packFixed(symbols, width);
      assert.equal(bytes.length, Math.ceil((symbols.length * width) / 8));
      const back = unpackFixed(bytes, symbols.length, width);
      assert.deepEqual([...back], symbols);
      // Every fast path must agree with the plain bit writer.
      const w = new BitWriter();
      for (const s of symbols) w.writeBits(s, width);
      assert.deepEqual(bytes, w.finish());
    }),
    { numRuns: 300 },
  );
});

test('constant, empty, single and extreme symbols', () => {
  for (const width of [1, 2, 3, 4, 7, 8, 9, 15, 16]) {
    const max = 2 ** width - 1;
    for (const symbols of [[], [max], new Array(1001).fill(max), new Array(17).fill(0)]) {
      const back = unpackFixed(packFixed(symbols, width), symbols.length, width, new Uint32Array(symbols.length));
      assert.deepEqual([...back], symbols, `width ${width}`);
    }
  }
});

test('writeFixed/readFixed append side info at any bit offset', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 13 }), widthAndSymbols, (lead, [width, symbols]) => {
      const w = new BitWriter();
      w.writeBits(0, lead);
      writeFixed(w, symbols, width);
      w.writeBits(5, 3);
      assert.equal(w.bitLength, lead + symbols.length * width + 3);
      const r = new BitReader(w.finish(), w.bitLength);
      r.skipBits(lead);
      assert.deepEqual([...readFixed(r, symbols.length, width, new Uint16Array(symbols.length))], symbols);
      assert.equal(r.readBits(3), 5);
    }),
    { numRuns: 200 },
  );
});

test('validation: widths, oversized symbols, counts beyond the body, output too small', () => {
  assert.throws(() => packFixed([1], 0), RangeError);
  assert.throws(() => packFixed([1], 17), RangeError);
  assert.throws(() => packFixed([4], 2), RangeError);
  assert.throws(() => packFixed([256], 8), RangeError);
  assert.throws(() => packFixed([65536], 16), RangeError);
  assert.throws(() => packFixed([-1], 4), RangeError);
  assert.throws(() => packFixed([0.5], 4), RangeError);
  // 2^40 symbols would be a huge allocation: rejected from the byte count first.
  assert.throws(() => unpackFixed(new Uint8Array(10), 2 ** 40, 1), CodecError);
  assert.throws(() => unpackFixed(new Uint8Array(3), 7, 4), CodecError);
  assert.throws(() => unpackFixed(new Uint8Array(3), -1, 4), CodecError);
  assert.throws(() => unpackFixed(new Uint8Array(4), 2, 12, new Uint8Array(2)), RangeError);
  assert.throws(() => unpackFixed(new Uint8Array(4), 2, 4, new Uint8Array(1)), RangeError);
  const r = new BitReader(new Uint8Array(2), 15);
  assert.throws(() => readFixed(r, 4, 4), CodecError);
  assert.equal(r.bitPosition, 0);
});
