import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, fitToBudget, minimumPayloadBits } from '@edgefl/codec';

test('fitToBudget: uniform takes the most bits per coordinate that fit, capped at the configured width', () => {
  const dim = 2410;
  // 1/8 of the float32 uplink: 32·2410/8 = 9640 bits → ⌊(9640 − 64)/2410⌋ = 3 bits.
  const fit = fitToBudget({ id: 'uniform', bits: 16 }, dim, 9640);
  assert.deepEqual(fit.spec, { id: 'uniform', bits: 3 });
  assert.equal(fit.maxPayloadBits, 64 + 3 * dim);
  assert.equal(fit.adapted, true);
  // A generous budget keeps the configured setting.
  assert.deepEqual(fitToBudget({ id: 'uniform', bits: 8 }, dim, 1e9), { spec: { id: 'uniform', bits: 8 }, maxPayloadBits: 64 + 8 * dim, adapted: false });
  // The encoded payload honours the fit for any data.
  const v = new Float32Array(dim).map((_, i) => Math.sin(i) * 10);
  for (const budget of [2474, 5000, 9640, 20_000, 40_000]) {
    const f = fitToBudget({ id: 'uniform', bits: 16 }, dim, budget);
    const enc = createCompressor(f.spec).encode(v, undefined, new Rng('fit'));
    assert.ok(enc.payloadBits <= budget, `${enc.payloadBits} > ${budget}`);
    assert.ok(enc.payloadBits + dim > budget, 'one more bit per coordinate would not fit');
  }
});

test('fitToBudget: a budget below the minimum names the minimum; fixed codecs are checked', () => {
  assert.equal(minimumPayloadBits({ id: 'uniform', bits: 8 }, 100), 164);
  assert.throws(() => fitToBudget({ id: 'uniform', bits: 8 }, 100, 163), (e: unknown) => e instanceof CodecError && /at least 164 bits/.test(e.message));
  assert.throws(() => fitToBudget({ id: 'float32' }, 100, 3199), (e: unknown) => e instanceof CodecError && /at least 3200 bits/.test(e.message));
  assert.equal(fitToBudget({ id: 'float32' }, 100, 3200).maxPayloadBits, 3200);
  // Data-dependent codecs pass unchanged (their overruns are counted as violations).
  assert.deepEqual(fitToBudget({ id: 'qsgd', levels: 4 }, 100, 10), { spec: { id: 'qsgd', levels: 4 }, maxPayloadBits: null, adapted: false });
  assert.throws(() => fitToBudget({ id: 'uniform', bits: 8 }, 100, 0), CodecError);
});

test('fitToBudget: top-k keeps the most coordinates whose worst case fits, and its payload honours the budget', () => {
  const dim = 1000;
  assert.equal(minimumPayloadBits({ id: 'topk', ratio: 0.1 }, dim), 32 + 1 + dim);
  const fit = fitToBudget({ id: 'topk', ratio: 0.1 }, dim, 3000);
  // ⌊(3000 − 1 − 1000)/32⌋ = 62 < ⌈0.1·1000⌉ = 100
  assert.deepEqual(fit.spec, { id: 'topk', k: 62 });
  assert.equal(fit.maxPayloadBits, 32 * 62 + 1 + dim);
  const v = new Float32Array(dim).map((_, i) => Math.cos(i * 0.37) * (i % 7));
  for (const budget of [1033, 2000, 3000, 5000]) {
    const f = fitToBudget({ id: 'topk', k: 500 }, dim, budget);
    assert.ok(createCompressor(f.spec).encode(v, undefined, new Rng('t')).payloadBits <= budget, `budget ${budget}`);
  }
  assert.deepEqual(fitToBudget({ id: 'topk', k: 10 }, dim, 1e6).adapted, false);
  assert.throws(() => fitToBudget({ id: 'topk', k: 10 }, dim, 1032), (e: unknown) => e instanceof CodecError && /at least 1033 bits/.test(e.message));
});

test('fitToBudget: qgadmm (b·d + 64) and dq (R·n, no side info) take the most bits that fit; encoded payloads honour it', () => {
  const dim = 50;
  const q = fitToBudget({ id: 'qgadmm', bits: 8 }, dim, 64 + 3 * dim + 7);
  assert.deepEqual(q.spec, { id: 'qgadmm', bits: 3 });
  assert.equal(q.maxPayloadBits, 64 + 3 * dim);
  const d = fitToBudget({ id: 'dq', bits: 8 }, dim, 5 * dim + 49);
  assert.deepEqual(d.spec, { id: 'dq', bits: 5 });
  assert.equal(d.maxPayloadBits, 5 * dim);
  assert.equal(minimumPayloadBits({ id: 'qgadmm', bits: 2 }, dim), 64 + dim);
  assert.equal(minimumPayloadBits({ id: 'dq', bits: 2 }, dim), dim);
  assert.throws(() => fitToBudget({ id: 'dq', bits: 4 }, dim, dim - 1), (e: unknown) => e instanceof CodecError && /at least 50 bits/.test(e.message));
  // 'auto' bits and entropy coders depend on the data: unchanged.
  assert.equal(fitToBudget({ id: 'qgadmm', bits: 'auto' }, dim, 10).adapted, false);
  const v = new Float32Array(dim).map((_, i) => Math.cos(i) * 3);
  const c = createCompressor(q.spec);
  const enc = c.encode(v, c.initState(dim), new Rng('fit'));
  assert.ok(enc.payloadBits <= 64 + 3 * dim + 7, `${enc.payloadBits}`);
});
