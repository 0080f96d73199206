import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, eliasOmegaLength } from '@edgefl/codec';
import { assertUnbiased, gaussian, sqDist, sqNorm } from './quantizer-stats.js';

test('qsgd: unbiased, E[Q(v)] = v (4000 seeds)', () => {
  const v = Float32Array.from([0.5, -0.25, 0, 1e-3, -2, 0.7]);
  for (const s of [1, 4]) {
    const c = createCompressor({ id: 'qsgd', levels: s });
    assertUnbiased((seed) => c.encode(v, undefined, new Rng(seed)).decoded, v, 4000, 5, `s=${s}`);
  }
});

test('qsgd rescaled (CHOCO): E[Q(v)] = v/τ, τ = 1 + min(d/s², √d/s), and E‖Q(v) − v‖² ≤ (1 − 1/τ)‖v‖²', () => {
  const d = 100, s = 4;
  const tau = 1 + Math.min(d / (s * s), Math.sqrt(d) / s);
  const c = createCompressor({ id: 'qsgd', levels: s, rescale: true });
  const v = gaussian(d, 2);
  assertUnbiased((seed) => c.encode(v, undefined, new Rng(seed)).decoded, v.map((x) => x / tau), 2000, 5, 'rescaled');
  let err = 0;
  for (let t = 0; t < 300; t++) err += sqDist(c.encode(v, undefined, new Rng(t)).decoded, v);
  assert.ok(err / 300 <= (1 - 1 / tau) * sqNorm(v), `${err / 300}`);
});

test('qsgd: payload = 32 + Σ(|ω(l+1)| + [l > 0]), decode reproduces the sender\'s vector', () => {
  const d = 5000, s = 8;
  const c = createCompressor({ id: 'qsgd', levels: s });
  const v = gaussian(d, 3);
  const out = c.encode(v, undefined, new Rng(9));
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.fround(Math.sqrt(norm));
  let bits = 32;
  for (let i = 0; i < d; i++) {
    const l = Math.round((Math.abs(out.decoded[i]!) * s) / norm);
    bits += eliasOmegaLength(l + 1) + (l > 0 ? 1 : 0);
  }
  assert.equal(out.payloadBits, bits);
  assert.equal(out.body.length, Math.ceil(bits / 8));
  assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
  // far fewer than 32 bits per coordinate at s = 8 on Gaussian input
  assert.ok(out.payloadBits / d < 4, `${out.payloadBits / d} bits/element`);
});

test('qsgd: decoder rejects wrong dimension, levels above s, bad norms and truncation', () => {
  const c = createCompressor({ id: 'qsgd', levels: 2 });
  const out = c.encode(gaussian(300, 4), undefined, new Rng(1));
  assert.throws(() => c.decode(out.body, 301, undefined), CodecError);
  assert.throws(() => c.decode(out.body, 250, undefined), /bits left after 250 coordinates/);
  assert.throws(() => c.decode(out.body.subarray(0, 3), 300, undefined), /too short/);
  assert.throws(() => c.decode(out.body.subarray(0, 20), 300, undefined), CodecError);
  const nan = out.body.slice();
  new DataView(nan.buffer).setFloat32(0, NaN, true);
  assert.throws(() => c.decode(nan, 300, undefined), /norm is NaN/);
  // ω(4) = 10 100 0: level 3 > s = 2
  const hi = new Uint8Array([0, 0, 0, 0, 0b10100011]);
  assert.throws(() => createCompressor({ id: 'qsgd', levels: 2 }).decode(hi, 1, undefined), /level 3 at index 0 exceeds s = 2/);
});
