import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor } from '@edgefl/codec';
import { assertUnbiased, gaussian } from './quantizer-stats.js';

test('qgadmm: payload is b·d + 64 bits (paper 000: b·d + 32 for R + 32 for b)', () => {
  for (const b of [1, 2, 3, 8, 16]) {
    const c = createCompressor({ id: 'qgadmm', bits: b });
    for (const d of [1, 10, 999]) {
      const out = c.encode(gaussian(d, b * d), c.initState(d), new Rng(0));
      assert.equal(out.payloadBits, b * d + 64);
      assert.equal(out.body.length, Math.ceil((b * d + 64) / 8));
    }
  }
});

test('qgadmm: |θ̂ − θ| ≤ Δ coordinate-wise and sender/receiver references stay identical over 50 rounds', () => {
  const d = 2000;
  for (const bits of [1, 2, 4, 'auto'] as const) {
    const c = createCompressor({ id: 'qgadmm', bits });
    const tx = c.initState(d), rx = c.initState(d);
    const rng = new Rng(5);
    let theta = gaussian(d, 1);
    for (let k = 0; k < 50; k++) {
      // a slowly converging model: the residual shrinks over rounds
      const drift = gaussian(d, 100 + k, 1 / (k + 1));
      theta = theta.map((x, i) => x + drift[i]!);
      const prevRef = Float32Array.from(tx.ref);
      let R = 0;
      for (let i = 0; i < d; i++) R = Math.max(R, Math.abs(theta[i]! - prevRef[i]!));
      const out = c.encode(theta, tx, rng);
      const b = new DataView(out.body.buffer).getUint32(4, true);
      const delta = (2 * Math.fround(R)) / (2 ** b - 1);
      for (let i = 0; i < d; i++) {
        assert.ok(Math.abs(out.decoded[i]! - theta[i]!) <= delta * (1 + 1e-4) + 1e-6, `${bits} round ${k} i ${i}`);
      }
      const got = c.decode(out.body, d, rx);
      assert.deepEqual(got, out.decoded);
      assert.deepEqual(rx.ref, tx.ref);
      assert.equal(rx.step, tx.step);
    }
  }
});

test('qgadmm: the quantizer is unbiased, E[θ̂^k] = θ^k (3000 seeds)', () => {
  const c = createCompressor({ id: 'qgadmm', bits: 2 });
  const ref = gaussian(12, 7);
  const theta = gaussian(12, 8);
  assertUnbiased((seed) => {
    const st = c.initState(12);
    st.ref.set(ref);
    return c.encode(theta, st, new Rng(seed)).decoded;
  }, theta, 3000, 5, 'qgadmm');
});

test('qgadmm auto: b_k ≥ ⌈log2(1 + 2R_k/Δ_{k−1})⌉ and Δ_k is non-increasing', () => {
  const d = 500;
  const c = createCompressor({ id: 'qgadmm', bits: 'auto', initBits: 2 });
  const st = c.initState(d);
  const rng = new Rng(3);
  let prevStep = NaN;
  const bitsSeen: number[] = [];
  for (let k = 0; k < 30; k++) {
    // residuals that sometimes grow: the rule must add bits rather than grow Δ
    const theta = gaussian(d, 50 + k, k % 3 === 0 ? 3 : 0.5);
    let R = 0;
    for (let i = 0; i < d; i++) R = Math.max(R, Math.abs(theta[i]! - st.ref[i]!));
    const out = c.encode(theta, st, rng);
    const b = new DataView(out.body.buffer).getUint32(4, true);
    bitsSeen.push(b);
    if (k === 0) assert.equal(b, 2);
    else {
      assert.equal(b, smallestNonIncreasingWidth(Math.fround(R), prevStep));
      if (b < 16) assert.ok(st.step <= prevStep, `round ${k}: Δ grew ${prevStep} → ${st.step}`);
    }
    assert.equal(out.payloadBits, b * d + 64);
    prevStep = st.step;
  }
  assert.ok(new Set(bitsSeen).size > 1, `auto used a single width ${bitsSeen}`);
});

/** The smallest b ≥ 1 (≤ 16) whose Δ = 2R/(2^b − 1), computed as the codec does, is ≤ Δ_{k−1}. */
function smallestNonIncreasingWidth(R: number, prevStep: number): number {
  let b = 1;
  while (b < 16 && (2 * R) / (2 ** b - 1) > prevStep) b++;
  return b;
}

test('qgadmm auto: Δ_k ≤ Δ_{k−1} exactly even when 2R/Δ_{k−1} is a rounding error above 2^b − 1', () => {
  // 2R/Δ_{k−1} = 255.00000000000006 here: 1 + that rounds to 256, so ⌈log2⌉ alone gives 8
  // bits and Δ_k = 2R/255 would exceed Δ_{k−1}; the rule needs 9.
  const R = Math.fround(9.216217994689941);
  const prevStep = 0.0722840627034505;
  assert.ok((2 * R) / prevStep > 255 && Math.ceil(Math.log2(1 + (2 * R) / prevStep)) === 8);
  const c = createCompressor({ id: 'qgadmm', bits: 'auto' });
  const tx = c.initState(3);
  tx.step = prevStep;
  const out = c.encode(Float32Array.from([R, -1, 0.5]), tx, new Rng(1));
  assert.equal(new DataView(out.body.buffer).getUint32(4, true), 9);
  assert.equal(out.payloadBits, 9 * 3 + 64);
  assert.ok(tx.step <= prevStep, `Δ grew ${prevStep} → ${tx.step}`);
  const rx = c.initState(3);
  rx.step = prevStep;
  assert.deepEqual(c.decode(out.body, 3, rx), out.decoded);
  assert.equal(rx.step, tx.step);
});

test('qgadmm: decoder rejects corrupt side info, wrong widths, truncation and leaves its state untouched', () => {
  const d = 64;
  const c = createCompressor({ id: 'qgadmm', bits: 2 });
  const out = c.encode(gaussian(d, 1), c.initState(d), new Rng(1));
  const rx = c.initState(d);
  const mutate = (f: (v: DataView) => void): Uint8Array => { const b = out.body.slice(); f(new DataView(b.buffer)); return b; };
  const cases: Array<[Uint8Array, number, RegExp]> = [
    [mutate((v) => v.setFloat32(0, NaN, true)), d, /R is NaN/],
    [mutate((v) => v.setFloat32(0, -Infinity, true)), d, /R is -Infinity/],
    [mutate((v) => v.setFloat32(0, -1, true)), d, /negative/],
    [mutate((v) => v.setUint32(4, 3, true)), d, /uses 3 bits per coordinate, expected 2/],
    [mutate((v) => v.setUint32(4, 0, true)), d, /uses 0 bits/],
    [out.body.subarray(0, 5), d, /too short/],
    [out.body.subarray(0, out.body.length - 1), d, /truncated/],
  ];
  for (const [body, dim, re] of cases) {
    assert.throws(() => c.decode(body, dim, rx), (e: unknown) => e instanceof CodecError && re.test(e.message), String(re));
    assert.deepEqual(rx.ref, new Float32Array(d));
  }
  assert.throws(() => c.decode(out.body, d, c.initState(d + 1)), /reference θ̂ has length 65/);
  assert.throws(() => c.decode(out.body, d, undefined as never), /missing state/);
  assert.throws(() => createCompressor({ id: 'qgadmm', bits: 'two' }), /"bits" is "two"/);
});

test('qgadmm: the encoder refuses NaN/∞ input and names the index, leaving the state untouched', () => {
  const c = createCompressor({ id: 'qgadmm', bits: 2 });
  const st = c.initState(4);
  assert.throws(() => c.encode(Float32Array.from([1, 2, NaN, 3]), st, new Rng(0)), /non-finite value NaN at index 2/);
  assert.throws(() => c.encode(Float32Array.from([1, -Infinity, 0, 3]), st, new Rng(0)), /non-finite value -Infinity at index 1/);
  assert.deepEqual(st.ref, new Float32Array(4));
  assert.ok(Number.isNaN(st.step));
});
