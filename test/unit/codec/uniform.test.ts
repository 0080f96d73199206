import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, unpackFixed } from '@edgefl/codec';

function randomVector(d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = r.normal() * 0.3;
  return v;
}

test('uniform: payload is b·d + 64 bits, body is that many bits rounded up to bytes', () => {
  for (const b of [1, 2, 3, 4, 7, 8, 12, 16]) {
    const c = createCompressor({ id: 'uniform', bits: b });
    for (const d of [0, 1, 5, 1000]) {
      const out = c.encode(randomVector(d, d + b), undefined, new Rng(1));
      assert.equal(out.payloadBits, b * d + 64);
      assert.equal(out.body.length, Math.ceil((b * d + 64) / 8));
    }
  }
});

test('uniform: decode(encode(v)) equals the sender\'s reconstruction and stays on the grid', () => {
  const v = randomVector(5000, 3);
  for (const b of [1, 2, 5, 8, 11, 16]) {
    const c = createCompressor({ id: 'uniform', bits: b });
    const out = c.encode(v, undefined, new Rng(b));
    const back = c.decode(out.body, v.length, undefined);
    assert.deepEqual(back, out.decoded);
    let lo = Infinity, hi = -Infinity;
    for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    const step = (hi - lo) / (2 ** b - 1);
    for (let i = 0; i < v.length; i++) {
      // each coordinate lands on one of the two grid points around it
      assert.ok(Math.abs(back[i]! - v[i]!) <= step * (1 + 1e-5) + 1e-7, `i=${i} err ${back[i]! - v[i]!} step ${step}`);
    }
  }
});

test('uniform: stochastic rounding is unbiased (mean over 4000 seeds within 5 standard errors)', () => {
  const v = Float32Array.from([-1, -0.37, 0, 0.123, 0.5, 0.999, 1]);
  const c = createCompressor({ id: 'uniform', bits: 2 });
  const n = 4000;
  const sum = new Float64Array(v.length);
  for (let s = 0; s < n; s++) {
    const out = c.encode(v, undefined, new Rng(1000 + s));
    for (let i = 0; i < v.length; i++) sum[i]! += out.decoded[i]!;
  }
  const step = 2 / 3;
  for (let i = 0; i < v.length; i++) {
    // Bernoulli rounding between two grid points: variance ≤ step²/4
    const se = step / 2 / Math.sqrt(n);
    assert.ok(Math.abs(sum[i]! / n - v[i]!) <= 5 * se + 1e-6, `coordinate ${i}: mean ${sum[i]! / n} vs ${v[i]}`);
  }
});

test('uniform: constant and empty vectors round-trip exactly', () => {
  const c = createCompressor({ id: 'uniform', bits: 3 });
  const v = new Float32Array(17).fill(0.25);
  const out = c.encode(v, undefined, new Rng(0));
  assert.deepEqual(c.decode(out.body, 17, undefined), v);
  const e = c.encode(new Float32Array(0), undefined, new Rng(0));
  assert.equal(c.decode(e.body, 0, undefined).length, 0);
});

test('uniform: decoder rejects wrong dimension, truncation, NaN/∞ side info and negative ranges', () => {
  const c = createCompressor({ id: 'uniform', bits: 4 });
  const out = c.encode(randomVector(100, 9), undefined, new Rng(2));
  assert.throws(() => c.decode(out.body, 101, undefined), CodecError);
  assert.throws(() => c.decode(out.body.subarray(0, out.body.length - 1), 100, undefined), /truncated/);
  assert.throws(() => c.decode(out.body, -1, undefined), CodecError);
  assert.throws(() => c.decode(out.body, 1.5, undefined), CodecError);
  for (const [off, x, re] of [[0, NaN, /min/], [4, Infinity, /max/], [4, -5, /negative range/]] as const) {
    const bad = out.body.slice();
    new DataView(bad.buffer).setFloat32(off, x, true);
    assert.throws(() => c.decode(bad, 100, undefined), re);
  }
});

test('uniform/float32: encoders refuse NaN and bad specs with CodecError', () => {
  const v = Float32Array.from([1, NaN, 2]);
  assert.throws(() => createCompressor({ id: 'uniform', bits: 2 }).encode(v, undefined, new Rng(0)), /non-finite value NaN at index 1/);
  assert.throws(() => createCompressor({ id: 'float32' }).encode(v, undefined, new Rng(0)), CodecError);
  assert.throws(() => createCompressor({ id: 'uniform', bits: 0 }), /bits = 0/);
  assert.throws(() => createCompressor({ id: 'uniform', bits: 17 }), CodecError);
  assert.throws(() => createCompressor({ id: 'uniform' }), /"bits" is missing/);
  assert.throws(() => createCompressor({ id: 'nope' }), /unknown codec id "nope"/);
});

test('float32: exact round trip at 32·d bits; rejects non-finite bytes and wrong lengths', () => {
  const c = createCompressor({ id: 'float32' });
  const v = randomVector(333, 4);
  const out = c.encode(v, undefined, new Rng(0));
  assert.equal(out.payloadBits, 32 * 333);
  assert.deepEqual(c.decode(out.body, 333, undefined), v);
  assert.deepEqual(out.decoded, v);
  const bad = out.body.slice();
  new DataView(bad.buffer).setFloat32(8, NaN, true);
  assert.throws(() => c.decode(bad, 333, undefined), /index 2 is not finite/);
  assert.throws(() => c.decode(out.body, 332, undefined), CodecError);
});

test('uniform: the fused fixed-width body is standard MSB-first packing (bits/unpackFixed reads it)', () => {
  const d = 1001;
  const v = randomVector(d, 12);
  for (const b of [1, 2, 3, 4, 5, 8, 13, 16]) {
    const out = createCompressor({ id: 'uniform', bits: b }).encode(v, undefined, new Rng(b));
    const view = new DataView(out.body.buffer);
    const lo = view.getFloat32(0, true), hi = view.getFloat32(4, true);
    const q = unpackFixed(out.body.subarray(8), d, b, new Uint16Array(d));
    const step = (hi - lo) / (2 ** b - 1);
    for (let i = 0; i < d; i++) assert.equal(out.decoded[i], Math.fround(lo + step * q[i]!));
  }
});

test('uniform: the entropy-coded paths (rans, malcom) are unbiased too and round-trip', () => {
  const v = Float32Array.from([-1, -0.37, 0, 0.123, 0.5, 0.999, 1]);
  for (const coder of ['rans', 'malcom'] as const) {
    const c = createCompressor({ id: 'uniform', bits: 2, coder });
    const n = 3000;
    const sum = new Float64Array(v.length);
    for (let s = 0; s < n; s++) {
      const out = c.encode(v, undefined, new Rng(5000 + s));
      if (s < 20) assert.deepEqual(c.decode(out.body, v.length, undefined), out.decoded);
      for (let i = 0; i < v.length; i++) sum[i]! += out.decoded[i]!;
    }
    const se = (2 / 3) / 2 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(sum[i]! / n - v[i]!) <= 5 * se + 1e-6, `${coder} coordinate ${i}: ${sum[i]! / n} vs ${v[i]}`);
  }
});
