import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { CodecError, createCompressor, malcomTau } from '@edgefl/codec';
import { assertUnbiased, gaussian, sparseLaplace, sqDist, sqNorm } from './quantizer-stats.js';

test('malcom: Lemma 1, E‖Q(p) − p‖² ≤ (1 − 1/τ)‖p‖² with τ = 1 + d/L² (shrink: paper)', () => {
  for (const [d, L, zeros] of [[50, 8, 0], [400, 8, 0.5], [1000, 4, 0.9], [64, 16, 0]] as const) {
    const c = createCompressor({ id: 'malcom', levels: L, shrink: 'paper' });
    const p = sparseLaplace(d, d + L, zeros, 1);
    const runs = 400;
    let err = 0;
    for (let s = 0; s < runs; s++) err += sqDist(c.encode(p, undefined, new Rng(s)).decoded, p);
    const bound = (1 - 1 / malcomTau(d, L)) * sqNorm(p);
    assert.ok(err / runs <= bound, `d=${d} L=${L}: E‖Q(p) − p‖² ≈ ${err / runs} > ${bound}`);
  }
});

test('malcom: unbiased with shrink none, E[Q(p)] = p/τ with shrink paper', () => {
  const p = Float32Array.from([0, -0.8, -0.1, 0, 0.05, 0.3, 0.77, 1.2]);
  const none = createCompressor({ id: 'malcom', levels: 8, shrink: 'none' });
  assertUnbiased((seed) => none.encode(p, undefined, new Rng(seed)).decoded, p, 3000, 5, 'none');
  const paper = createCompressor({ id: 'malcom', levels: 8 });
  const tau = malcomTau(8, 8);
  assertUnbiased((seed) => paper.encode(p, undefined, new Rng(seed)).decoded, p.map((x) => x / tau), 3000, 5, 'paper');
});

test('malcom: exact zeros stay zero and every coder round-trips; fixed payload is 64 + d·⌈log2(L+2)⌉', () => {
  const d = 3001;
  const p = sparseLaplace(d, 4, 0.7);
  for (const L of [1, 2, 8, 14, 30]) {
    for (const shrink of ['paper', 'none'] as const) {
      for (const coder of ['fixed', 'malcom', 'rans'] as const) {
        const c = createCompressor({ id: 'malcom', levels: L, shrink, coder });
        const out = c.encode(p, undefined, new Rng(L));
        if (coder === 'fixed') assert.equal(out.payloadBits, 64 + d * Math.ceil(Math.log2(L + 2)));
        assert.equal(out.body.length, Math.ceil(out.payloadBits / 8));
        for (let i = 0; i < d; i++) if (p[i] === 0) assert.equal(out.decoded[i], 0);
        assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
      }
    }
  }
});

test('malcom coder: on a sparse Laplace residual it needs far fewer bits than fixed width and stays within eq. 13', () => {
  const d = 100_000;
  const p = sparseLaplace(d, 12, 0.9);
  const bits = (coder: 'fixed' | 'malcom' | 'rans'): number =>
    createCompressor({ id: 'malcom', levels: 8, coder }).encode(p, undefined, new Rng(1)).payloadBits;
  const fixed = bits('fixed'), malcom = bits('malcom'), rans = bits('rans');
  assert.equal(fixed, 64 + 4 * d);
  assert.ok(malcom < 0.5 * fixed, `malcom ${malcom} vs fixed ${fixed}`);
  assert.ok(rans < 0.5 * fixed, `rans ${rans} vs fixed ${fixed}`);
  // eq. 13 with f0 = 0.9 is ≈ d·(H + 2.914·0.1 + …) < 1.2 bits/element here
  assert.ok(malcom / d < 1.2, `${malcom / d} bits/element`);
});

test('malcom: decoder rejects bad side info, out-of-range symbols and wrong lengths', () => {
  const c = createCompressor({ id: 'malcom', levels: 8, coder: 'fixed' });
  const out = c.encode(gaussian(40, 1), undefined, new Rng(1));
  const bad = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => { const b = out.body.slice(); f(b, new DataView(b.buffer)); return b; };
  assert.throws(() => c.decode(bad((_, v) => v.setFloat32(0, NaN, true)), 40, undefined), /min m is NaN/);
  assert.throws(() => c.decode(bad((_, v) => v.setFloat32(4, -2, true)), 40, undefined), /range r = -2 is negative/);
  assert.throws(() => c.decode(bad((_, v) => v.setFloat32(4, Infinity, true)), 40, undefined), /range r is Infinity/);
  // L = 8 → 4-bit symbols; 15 is not a symbol
  assert.throws(() => c.decode(bad((b) => { b[8] = 0xff; }), 40, undefined), /symbol 15 at index 0 is outside 0..9/);
  assert.throws(() => c.decode(out.body, 41, undefined), CodecError);
  assert.throws(() => createCompressor({ id: 'malcom', levels: 8, shrink: 'half' }), /"shrink" is "half"/);
  assert.throws(() => createCompressor({ id: 'malcom', levels: 0 }), /levels = 0/);
});

test('malcom shrink: a spec without one gets MALCOM_DEFAULT_SHRINK, and the encoded spec always names it', async () => {
  const { MALCOM_DEFAULT_SHRINK } = await import('@edgefl/codec');
  const d = 5000, L = 8;
  const p = gaussian(d, 2);
  const unset = createCompressor({ id: 'malcom', levels: L });
  assert.equal(unset.spec['shrink'], MALCOM_DEFAULT_SHRINK);
  // a receiver built from the travelling spec decodes the same vector whatever its own default
  const out = unset.encode(p, undefined, new Rng(4));
  assert.deepEqual(createCompressor(unset.spec).decode(out.body, d, undefined), out.decoded);
  // the two settings differ exactly by τ = 1 + d/L² on the same symbols
  const paper = createCompressor({ id: 'malcom', levels: L, shrink: 'paper' }).encode(p, undefined, new Rng(4));
  const none = createCompressor({ id: 'malcom', levels: L, shrink: 'none' }).encode(p, undefined, new Rng(4));
  assert.equal(paper.payloadBits, none.payloadBits);
  const tau = malcomTau(d, L);
  for (let i = 0; i < d; i += 97) assert.ok(Math.abs(paper.decoded[i]! * tau - none.decoded[i]!) <= 1e-5 * Math.abs(none.decoded[i]!) + 1e-12, `${i}`);
});
