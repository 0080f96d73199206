import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { approxThreshold, createCompressor, optimalThreshold, thresholdObjective } from '@edgefl/codec';
import { assertUnbiased, gaussian, sparseLaplace } from './quantizer-stats.js';

/** Brute force: try Δ = 0 and every |v_i| as the threshold. */
function bruteBest(v: Float32Array): number {
  let best = thresholdObjective(v, 0);
  for (const x of v) best = Math.max(best, thresholdObjective(v, Math.abs(x)));
  return best;
}

test('threshold: sort-and-scan Δ* matches brute force on small vectors (fast-check)', () => {
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }), fc.constantFrom(0, 1, -1, 0.5)), { minLength: 1, maxLength: 12 }),
    (xs) => {
      const v = Float32Array.from(xs);
      const t = optimalThreshold(v);
      const best = bruteBest(v);
      const got = thresholdObjective(v, t.delta);
      assert.ok(Math.abs(got - best) <= 1e-9 * Math.max(1, best), `got ${got}, best ${best} for ${xs}`);
      assert.equal(t.count, v.filter((x) => Math.abs(x) > t.delta).length);
    }), { numRuns: 2000, seed: 42 });
});

test('threshold: Δ* beats 0.75·mean|v| and both keep the quantization error below TernGrad\'s', () => {
  const v = gaussian(2000, 11);
  const opt = optimalThreshold(v), apx = approxThreshold(v);
  assert.ok(thresholdObjective(v, opt.delta) >= thresholdObjective(v, apx.delta));
  // Gaussian input: Δ* ≈ 0.6·σ·… and the approximation lands close to it
  let l1 = 0;
  for (const x of v) l1 += Math.abs(x);
  assert.ok(Math.abs(apx.delta - 0.75 * l1 / v.length) < 1e-9);
  const err = (spec: Parameters<typeof createCompressor>[0]): number => {
    const c = createCompressor(spec);
    let e = 0;
    for (let s = 0; s < 20; s++) {
      const out = c.encode(v, undefined as never, new Rng(s));
      for (let i = 0; i < v.length; i++) e += (out.decoded[i]! - v[i]!) ** 2;
    }
    return e;
  };
  const eOpt = err({ id: 'threshold' }), eApx = err({ id: 'threshold', threshold: 'approx' }), eTern = err({ id: 'terngrad' });
  assert.ok(eOpt <= eApx, `${eOpt} ${eApx}`);
  // paper 003: threshold quantization error is 3–10× smaller than TernGrad's
  assert.ok(eTern / eOpt > 3, `TernGrad/threshold error ratio ${eTern / eOpt}`);
});

test('threshold: payload bits are 32 + 2d (dense) and 32 + d + 2k (sparse); round trips', () => {
  for (const d of [1, 7, 64, 1001]) {
    const v = sparseLaplace(d, d, 0.6);
    for (const threshold of ['optimal', 'approx'] as const) {
      const dense = createCompressor({ id: 'threshold', threshold, form: 'dense' });
      const sparse = createCompressor({ id: 'threshold', threshold, form: 'sparse' });
      const a = dense.encode(v, undefined, new Rng(0));
      const b = sparse.encode(v, undefined, new Rng(0));
      const k = a.decoded.filter((x) => x !== 0).length;
      assert.equal(a.payloadBits, 32 + 2 * d);
      assert.equal(b.payloadBits, 32 + d + 2 * k);
      assert.equal(a.body.length, Math.ceil(a.payloadBits / 8));
      assert.equal(b.body.length, Math.ceil(b.payloadBits / 8));
      assert.deepEqual(b.decoded, a.decoded);
      assert.deepEqual(dense.decode(a.body, d, undefined), a.decoded);
      assert.deepEqual(sparse.decode(b.body, d, undefined), b.decoded);
    }
  }
});

test('threshold: decoders reject invalid codes, inconsistent indicators and bad scales', () => {
  const v = gaussian(40, 2);
  const dense = createCompressor({ id: 'threshold' });
  const a = dense.encode(v, undefined, new Rng(0));
  const d3 = a.body.slice(); d3[4] = 0xff;
  assert.throws(() => dense.decode(d3, 40, undefined), /symbol 3 at index 0 is outside 0..2/);
  const neg = a.body.slice(); new DataView(neg.buffer).setFloat32(0, -1, true);
  assert.throws(() => dense.decode(neg, 40, undefined), /scale -1 is negative/);
  assert.throws(() => dense.decode(a.body, 30, undefined), /30 symbols of 2 bits need 8 bytes, the body has 10/); // 37..40 would share the byte count: the envelope's dim check covers that
  const sparse = createCompressor({ id: 'threshold', form: 'sparse' });
  const b = sparse.encode(v, undefined, new Rng(0));
  const flip = b.body.slice(); flip.fill(0xff, 4, 9); // the indicator now keeps all 40 coordinates
  assert.throws(() => sparse.decode(flip, 40, undefined), /indicator keeps 40 of 40 coordinates, so the body must be 19 bytes/);
  assert.throws(() => sparse.decode(b.body.subarray(0, 6), 40, undefined), /too short/);
});

test('terngrad: unbiased, 32 + 2d bits, round trip', () => {
  const v = Float32Array.from([0.3, -0.9, 0, 0.01, 1, -1]);
  const c = createCompressor({ id: 'terngrad' });
  assertUnbiased((seed) => c.encode(v, undefined, new Rng(seed)).decoded, v, 4000, 5, 'terngrad');
  const w = gaussian(999, 5);
  const out = c.encode(w, undefined, new Rng(1));
  assert.equal(out.payloadBits, 32 + 2 * 999);
  assert.deepEqual(c.decode(out.body, 999, undefined), out.decoded);
});
