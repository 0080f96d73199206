import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, sparseIndexBits, topKIndices } from '@edgefl/codec';
import { gaussian } from './quantizer-stats.js';

test('top-k: keeps exactly the k largest magnitudes; bits 32k + sparse index (1 + min(d, gap code))', () => {
  for (const [d, k] of [[10, 3], [1000, 10], [1000, 200], [70_000, 50], [5, 5], [8, 0]] as const) {
    const v = gaussian(d, d + k);
    const c = createCompressor({ id: 'topk', k });
    const out = c.encode(v, undefined, new Rng(0));
    const sorted = Array.from(v, Math.abs).sort((a, b) => b - a);
    const kept = out.decoded.filter((x) => x !== 0);
    assert.equal(kept.length, k);
    if (k > 0 && k < d) assert.ok(Math.min(...Array.from(kept, Math.abs)) >= sorted[k - 1]!);
    const positions = Array.from(out.decoded.keys()).filter((i) => out.decoded[i] !== 0);
    assert.equal(out.payloadBits, 32 * k + sparseIndexBits(positions, d));
    assert.ok(sparseIndexBits(positions, d) <= 1 + d);
    assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
  }
  // ties are resolved first-come, still exactly k
  assert.deepEqual(Array.from(topKIndices(Float32Array.from([1, -1, 1, 0.5, -1]), 2)), [0, 1]);
});

test('top-k: k = ⌈ratio·d⌉ of the ratio as written (0.07 of 100 keeps 7, not 8 from 7.000000000000001)', () => {
  for (const [ratio, d, k] of [[0.07, 100, 7], [0.07, 600, 42], [0.015, 100, 2], [0.5, 3, 2], [1, 100, 100]] as const) {
    const c = createCompressor({ id: 'topk', ratio });
    const x = Float32Array.from({ length: d }, (_, i) => i + 1);
    const out = c.encode(x, undefined, new Rng(0));
    assert.equal(out.decoded.filter((y) => y !== 0).length, k, `ratio ${ratio} of ${d}`);
    assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
  }
});

test('top-k: ratio, and the decoder rejects out-of-order positions, bad counts and NaN values', () => {
  const c = createCompressor({ id: 'topk', ratio: 0.01 });
  const v = gaussian(100_000, 1);
  const out = c.encode(v, undefined, new Rng(0));
  assert.equal(out.decoded.filter((x) => x !== 0).length, 1000);
  const k = 1000;
  const nan = out.body.slice(); new DataView(nan.buffer).setFloat32(0, NaN, true);
  assert.throws(() => c.decode(nan, 100_000, undefined), /value #0 is NaN/);
  // gap form: flag 1, then ω(k + 1); a different ω value claims another k
  const cnt = out.body.slice(); cnt[4 * k] = 0b10000000;
  assert.throws(() => c.decode(cnt, 100_000, undefined), CodecError);
  assert.throws(() => c.decode(out.body, 99_000, undefined), /expected 990|CodecError|bits left/);
  assert.throws(() => c.decode(out.body.subarray(0, 4 * k + 3), 100_000, undefined), CodecError);
  assert.throws(() => c.decode(out.body.subarray(0, 4), 100_000, undefined), /too short for 1000 float32 values/);
  assert.throws(() => createCompressor({ id: 'topk' }), /exactly one of k or ratio/);
});

test('sign: 32 + d bits, values ±mean|v|, round trip', () => {
  const v = gaussian(77, 3);
  const c = createCompressor({ id: 'sign' });
  const out = c.encode(v, undefined, new Rng(0));
  assert.equal(out.payloadBits, 32 + 77);
  let l1 = 0;
  for (const x of v) l1 += Math.abs(x);
  const s = Math.fround(l1 / 77);
  for (let i = 0; i < 77; i++) assert.equal(out.decoded[i], v[i]! < 0 ? -s : s);
  assert.deepEqual(c.decode(out.body, 77, undefined), out.decoded);
});

test('error feedback: e ← v + e − C(v + e), so what was sent plus the residual is all that was given', () => {
  const d = 500;
  const c = createCompressor({ id: 'ef', inner: 'topk', k: 20 });
  assert.deepEqual(c.spec, { id: 'ef', inner: 'topk', k: 20 });
  const tx = c.initState(d), rx = c.initState(d);
  const given = new Float64Array(d), received = new Float64Array(d);
  for (let t = 0; t < 30; t++) {
    const v = gaussian(d, t);
    const out = c.encode(v, tx, new Rng(t));
    const got = c.decode(out.body, d, rx);
    assert.deepEqual(got, out.decoded);
    for (let i = 0; i < d; i++) { given[i]! += v[i]!; received[i]! += got[i]!; }
  }
  for (let i = 0; i < d; i++) assert.ok(Math.abs(given[i]! - received[i]! - tx.residual[i]!) < 1e-4, `i ${i}`);
  // stateful inner codecs keep their own state inside
  const q = createCompressor({ id: 'ef', inner: 'qgadmm', bits: 2 });
  const st = q.initState(10);
  q.encode(gaussian(10, 1), st, new Rng(0));
  assert.ok(st.inner !== undefined);
  assert.throws(() => createCompressor({ id: 'ef', inner: 'ef' }), /not a known codec other than ef/);
  assert.throws(() => c.encode(new Float32Array(3), tx, new Rng(0)), /residual e has length 500/);
});
