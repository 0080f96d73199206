import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '@edgefl/core';
import { approxThreshold, createCompressor, createTernGrad, createThreshold, optimalThreshold, optimalThresholdBySort, thresholdObjective } from '@edgefl/codec';
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

test('threshold: payload bits are 32 + 2d (dense) and 32 + d + 2k with the indicator; round trips', () => {
  for (const d of [1, 7, 64, 1001]) {
    const v = sparseLaplace(d, d, 0.6);
    const support = v.filter((x) => x !== 0).length;
    for (const threshold of ['optimal', 'approx'] as const) {
      const dense = createCompressor({ id: 'threshold', threshold, form: 'dense' });
      const sparse = createCompressor({ id: 'threshold', threshold, form: 'sparse' });
      const a = dense.encode(v, undefined, new Rng(0));
      const b = sparse.encode(v, undefined, new Rng(0));
      assert.equal(a.payloadBits, 32 + 2 * d);
      // encode() without an indicator uses the vector's support: k = its non-zeros
      assert.equal(b.payloadBits, 32 + d + 2 * support);
      assert.equal(a.body.length, Math.ceil(a.payloadBits / 8));
      assert.equal(b.body.length, Math.ceil(b.payloadBits / 8));
      assert.deepEqual(dense.decode(a.body, d, undefined), a.decoded);
      assert.deepEqual(sparse.decode(b.body, d, undefined), b.decoded);
    }
  }
});

test('threshold: a given indicator restricts Δ, s and the kept set; 32 + d + 2k bits with k = |I|', () => {
  const d = 500;
  const v = gaussian(d, 3);
  const ind = new Uint8Array(d);
  for (let i = 0; i < d; i += 3) ind[i] = 1; // k = 167
  const k = ind.reduce((a, b) => a + b, 0);
  const sel = v.filter((_, i) => ind[i] === 1);
  for (const threshold of ['optimal', 'approx'] as const) {
    const c = createThreshold({ id: 'threshold', threshold, form: 'sparse' });
    const out = c.encodeOn(v, ind, new Rng(0));
    assert.equal(out.payloadBits, 32 + d + 2 * k);
    assert.equal(out.body.length, Math.ceil((32 + d + 2 * k) / 8));
    // nothing outside I is ever kept
    for (let i = 0; i < d; i++) if (ind[i] === 0) assert.equal(out.decoded[i], 0);
    // the same quantizer on the selected coordinates alone gives the same values there
    const alone = createThreshold({ id: 'threshold', threshold, form: 'dense' }).encode(sel, undefined, new Rng(0)).decoded;
    assert.deepEqual(out.decoded.filter((_, i) => ind[i] === 1), alone);
    const back = c.decodeIndicated(out.body, d);
    assert.deepEqual(back.decoded, out.decoded);
    assert.deepEqual(back.indicator, ind);
  }
  // approx: Δ = 0.75 · mean|v| over the k selected coordinates, not over d
  let l1 = 0;
  for (const x of sel) l1 += Math.abs(x);
  assert.ok(Math.abs(approxThreshold(v, 0.75, ind).delta - 0.75 * l1 / k) < 1e-9);
  const over = optimalThreshold(v, ind);
  const ref = optimalThresholdBySort(sel);
  assert.equal(over.count, ref.count);
  assert.ok(Math.abs(over.scale - ref.scale) <= 1e-9 * ref.scale);
});

test('threshold: the bucketed Δ* finds the same optimum as sort-and-scan on large and awkward vectors', () => {
  const cases: Float32Array[] = [gaussian(200_000, 1), sparseLaplace(50_000, 2, 0.3), gaussian(3000, 4, 1e-30)];
  // heavy-tailed mixture: one spike over many equal small values (the objective is not unimodal)
  const mix = new Float32Array(5000).fill(1); mix[0] = 10; cases.push(mix);
  const r = new Rng(9);
  cases.push(Float32Array.from({ length: 20_000 }, () => Math.round((r.next() - 0.5) * 8) / 4)); // many ties
  for (const v of cases) {
    const fast = optimalThreshold(v), slow = optimalThresholdBySort(v);
    const of = thresholdObjective(v, fast.delta), os = thresholdObjective(v, slow.delta);
    assert.ok(Math.abs(of - os) <= 1e-9 * os, `objective ${of} vs ${os}`);
    assert.equal(fast.count, v.filter((x) => Math.abs(x) > fast.delta).length);
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
  const sparse = createThreshold({ id: 'threshold', form: 'sparse' });
  const ind = new Uint8Array(40); ind.fill(1, 0, 10);
  const b = sparse.encodeOn(v, ind, new Rng(0)); // 32 + 40 + 20 bits = 12 bytes
  assert.equal(b.body.length, 12);
  const flip = b.body.slice(); flip.fill(0xff, 4, 9); // the indicator now selects all 40 coordinates
  assert.throws(() => sparse.decode(flip, 40, undefined), /indicator keeps 40 of 40 coordinates, so the body must be 19 bytes/);
  assert.throws(() => sparse.decode(b.body.subarray(0, 6), 40, undefined), /too short/);
  const bad = b.body.slice(); bad[9] = 0xff; // code 3 for a selected coordinate
  assert.throws(() => sparse.decodeIndicated(bad, 40), /invalid code 3/);
  assert.throws(() => sparse.encodeOn(v, new Uint8Array(39), new Rng(0)), /indicator has 39 entries/);
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

test('terngrad: per-layer scales (32·L + 2d bits), each layer scaled by its own max; far smaller error on unequal layers', () => {
  // two "layers" whose gradients differ in scale by 100×, as conv and dense layers do
  const a = gaussian(300, 1, 1), b = gaussian(700, 2, 0.01);
  const v = new Float32Array(1000); v.set(a, 0); v.set(b, 300);
  const whole = createCompressor({ id: 'terngrad' });
  const layered = createCompressor({ id: 'terngrad', layers: '300,700' });
  const out = layered.encode(v, undefined, new Rng(3));
  assert.equal(out.payloadBits, 2 * 32 + 2 * 1000);
  assert.deepEqual(layered.decode(out.body, 1000, undefined), out.decoded);
  let maxB = 0;
  for (const x of b) maxB = Math.max(maxB, Math.abs(x));
  for (let i = 300; i < 1000; i++) assert.ok(out.decoded[i] === 0 || Math.abs(Math.abs(out.decoded[i]!) - Math.fround(maxB)) === 0);
  assertUnbiased((seed) => layered.encode(v.subarray(0, 1000), undefined, new Rng(seed)).decoded.subarray(295, 305), v.subarray(295, 305), 4000, 5, 'terngrad per layer');
  let eWhole = 0, eLayer = 0;
  for (let s = 0; s < 10; s++) {
    const w = whole.encode(v, undefined, new Rng(s)).decoded, l = layered.encode(v, undefined, new Rng(s)).decoded;
    for (let i = 300; i < 1000; i++) { eWhole += (w[i]! - v[i]!) ** 2; eLayer += (l[i]! - v[i]!) ** 2; }
  }
  assert.ok(eWhole / eLayer > 10, `small layer's error: one scale ${eWhole}, per layer ${eLayer}`);
  assert.throws(() => layered.encode(new Float32Array(999), undefined, new Rng(0)), /layers sum to 1000, but the vector has 999/);
  assert.throws(() => createCompressor({ id: 'terngrad', layers: '300,,700' }), /not a comma-separated list/);
  assert.throws(() => createCompressor({ id: 'terngrad', layers: 5 }), /expected a string/);
});

test('terngrad: the indicated form selects, keeps the indicator and counts 32·L + d + 2k bits', () => {
  const v = gaussian(100, 8);
  const ind = new Uint8Array(100); ind.fill(1, 20, 45);
  const c = createTernGrad({ id: 'terngrad', form: 'sparse', layers: '50,50' });
  const out = c.encodeOn(v, ind, new Rng(1));
  assert.equal(out.payloadBits, 2 * 32 + 100 + 2 * 25);
  for (let i = 0; i < 100; i++) if (ind[i] === 0) assert.equal(out.decoded[i], 0);
  const back = c.decodeIndicated(out.body, 100);
  assert.deepEqual(back.decoded, out.decoded);
  assert.deepEqual(back.indicator, ind);
  assert.deepEqual(c.decode(out.body, 100, undefined), out.decoded);
});
