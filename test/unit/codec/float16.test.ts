import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { HALF_MAX, createCompressor, floatToHalf, halfToFloat } from '@edgefl/codec';

test('float16: every finite half converts to float and back to itself', () => {
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00) continue; // ∞ / NaN
    assert.equal(floatToHalf(halfToFloat(h)), h, `half 0x${h.toString(16)}`);
  }
});

test('float16: rounds to the nearest half, ties to even; saturates at ±65504', () => {
  fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: -65000, max: 65000 }), (x) => {
    const h = floatToHalf(x);
    const y = halfToFloat(h);
    // neighbours one unit in the last place either side must not be closer
    for (const n of [h - 1, h + 1]) {
      if (n < 0 || n > 0xffff || (n & 0x7c00) === 0x7c00 || (n & 0x8000) !== (h & 0x8000)) continue;
      const z = halfToFloat(n);
      assert.ok(Math.abs(x - y) <= Math.abs(x - z), `${x} → ${y}, but ${z} is closer`);
    }
  }), { numRuns: 20_000, seed: 3 });
  assert.equal(floatToHalf(1 + 2 ** -11), floatToHalf(1)); // tie → even mantissa 0
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), floatToHalf(1 + 2 ** -9)); // tie → even mantissa 2
  assert.equal(halfToFloat(floatToHalf(2 ** -24)), 2 ** -24); // smallest subnormal
  assert.equal(halfToFloat(floatToHalf(2 ** -26)), 0);
  assert.equal(halfToFloat(floatToHalf(1e6)), HALF_MAX);
  assert.equal(halfToFloat(floatToHalf(-1e6)), -HALF_MAX);
  assert.ok(Object.is(halfToFloat(floatToHalf(-0)), -0));
});

test('float16 compressor: 16·d bits, relative error ≤ 2^−11, rejects ∞/NaN halves', () => {
  const c = createCompressor({ id: 'float16' });
  const v = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
  const out = c.encode(v, undefined, new Rng(0));
  assert.equal(out.payloadBits, 16_000);
  for (let i = 0; i < v.length; i++) {
    if (Math.abs(v[i]!) >= 2 ** -14) assert.ok(Math.abs(out.decoded[i]! - v[i]!) <= Math.abs(v[i]!) * 2 ** -11);
  }
  assert.deepEqual(c.decode(out.body, 1000, undefined), out.decoded);
  const inf = out.body.slice(); inf[1] = 0x7c; inf[0] = 0;
  assert.throws(() => c.decode(inf, 1000, undefined), /index 0 is infinite/);
  inf[0] = 1;
  assert.throws(() => c.decode(inf, 1000, undefined), /index 0 is NaN/);
});
