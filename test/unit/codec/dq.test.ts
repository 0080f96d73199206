import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor } from '@edgefl/codec';
import { sqDist } from './quantizer-stats.js';

test('dq: covering radius ‖q_t(u) − u‖ ≤ √n·r·2^−R for ‖u‖∞ ≤ r (fast-check)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 12 }),
    fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 64 }),
    (R, r, unit) => {
      const c = createCompressor({ id: 'dq', bits: R });
      const st = { range: r, overload: 0 };
      const u = Float32Array.from(unit, (x) => x * Math.fround(r) * (1 - 1e-6));
      const out = c.encode(u, st, new Rng(0));
      const n = u.length;
      const radius = Math.sqrt(n) * r * 2 ** -R;
      assert.ok(Math.sqrt(sqDist(out.decoded, u)) <= radius * (1 + 1e-5), `R=${R} r=${r}`);
      assert.equal(st.overload, 0);
      assert.equal(out.payloadBits, n * R);
      assert.deepEqual(c.decode(out.body, n, st), out.decoded);
    }), { numRuns: 500, seed: 7 });
});

test('dq: the worst case reaches the covering radius (cell edges) and overload is counted', () => {
  const R = 3, r = 2, n = 16;
  const c = createCompressor({ id: 'dq', bits: R });
  const st = c.initState(n);
  st.range = r;
  // points just above the lower edge of each cell are 2^−R·r away from the midpoint
  const step = (2 * r) / 2 ** R;
  const u = Float32Array.from({ length: n }, (_, i) => -r + step * (i % 2 ** R) + 1e-6);
  const err = Math.sqrt(sqDist(c.encode(u, st, new Rng(0)).decoded, u));
  assert.ok(err > 0.99 * Math.sqrt(n) * r * 2 ** -R);
  c.encode(Float32Array.from([3, -3, 0]), st, new Rng(0));
  assert.equal(st.overload, 2);
});

test('dq: encoder and decoder refuse a missing, zero, negative or infinite range', () => {
  const c = createCompressor({ id: 'dq', bits: 4 });
  const body = c.encode(new Float32Array(4), { range: 1, overload: 0 }, new Rng(0)).body;
  for (const range of [0, -1, NaN, Infinity]) {
    assert.throws(() => c.decode(body, 4, { range, overload: 0 }), /dynamic range r_t = .* must be a finite positive number/);
    assert.throws(() => c.encode(new Float32Array(4), { range, overload: 0 }, new Rng(0)), /dynamic range/);
  }
  assert.throws(() => c.decode(body, 5, { range: 1, overload: 0 }), /truncated/);
});

test('dq: a range beyond float32 is refused on both ends instead of decoding to ±∞', () => {
  const c = createCompressor({ id: 'dq', bits: 1 });
  const u = Float32Array.from([1, -1, 3e38, 0]);
  const body = c.encode(u, { range: 3.4e38, overload: 0 }, new Rng(0)).body; // the largest float32s still fit
  assert.ok(c.decode(body, 4, { range: 3.4e38, overload: 0 }).every(Number.isFinite));
  for (const range of [3.5e38, 1e300]) {
    assert.throws(() => c.encode(u, { range, overload: 0 }, new Rng(0)), (e: unknown) => e instanceof CodecError && /beyond float32/.test(e.message));
    assert.throws(() => c.decode(body, 4, { range, overload: 0 }), (e: unknown) => e instanceof CodecError && /beyond float32/.test(e.message));
  }
});

test('dq above 16 bits (up to 32): exactly n·R bits, error within the covering radius to float32 precision, overload counted', () => {
  const n = 1000;
  const rng = new Rng(3);
  const u = Float32Array.from({ length: n }, () => rng.normal());
  for (const bits of [17, 24, 32]) {
    const c = createCompressor({ id: 'dq', bits });
    const st = { range: 5, overload: 0 };
    const out = c.encode(u, st, rng);
    assert.equal(out.payloadBits, n * bits);
    assert.equal(out.body.length, Math.ceil((n * bits) / 8));
    assert.equal(st.overload, 0);
    const back = c.decode(out.body, n, { range: 5, overload: 0 });
    assert.deepEqual(back, out.decoded);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(back[i]! - u[i]!) <= 5 * 2 ** -bits + 5 * 2 ** -23, `bits ${bits} i ${i}`);
    const over = { range: 0.5, overload: 0 };
    c.encode(u, over, rng);
    assert.ok(over.overload > 0);
    assert.throws(() => c.decode(out.body.subarray(1), n, { range: 5, overload: 0 }), CodecError);
  }
  assert.throws(() => createCompressor({ id: 'dq', bits: 33 }), CodecError);
  assert.throws(() => createCompressor({ id: 'dq', bits: 20, coder: 'rans' }), CodecError);
});
