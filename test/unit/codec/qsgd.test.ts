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

/** The signed levels behind a decoded vector: l_i = round(|x_i|·s·τ/‖v‖)·sign(x_i). */
function levelsOf(decoded: Float32Array, v: Float32Array, s: number, tau = 1): Int32Array {
  let ss = 0;
  for (const x of v) ss += x * x;
  const norm = Math.fround(Math.sqrt(ss));
  return Int32Array.from(decoded, (x) => Math.sign(x) * Math.round((Math.abs(x) * s * tau) / norm));
}

/** Empirical order-0 entropy (bits/element) of a sequence of integers. */
function entropy(xs: Int32Array): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / xs.length) * Math.log2(c / xs.length);
  return h;
}

test('qsgd (paper coding, default): payload = 32 + Σ_{l≠0}(|ω(run)| + 1 + |ω(|l|)|), decode reproduces the sender\'s vector', () => {
  for (const [d, s, seed] of [[5000, 8, 3], [20_000, 2, 4], [777, 16, 5]] as const) {
    const c = createCompressor({ id: 'qsgd', levels: s });
    const v = gaussian(d, seed);
    const out = c.encode(v, undefined, new Rng(9));
    const levels = levelsOf(out.decoded, v, s);
    // Alistarh et al. 2017 §3.2: for each non-zero level, Elias(distance to it), sign, Elias(level)
    let bits = 32;
    let last = -1;
    let nonZero = 0;
    for (let i = 0; i < d; i++) {
      const l = levels[i]!;
      if (l === 0) continue;
      bits += eliasOmegaLength(i - last) + 1 + eliasOmegaLength(Math.abs(l));
      last = i;
      nonZero++;
    }
    assert.ok(nonZero > 0 && nonZero < d / 2, `${nonZero} non-zero levels`);
    assert.equal(out.payloadBits, bits, `d=${d} s=${s}`);
    assert.equal(out.body.length, Math.ceil(bits / 8));
    assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
    // the spec that travels in envelopes names no coder for the default
    assert.deepEqual(c.spec, { id: 'qsgd', levels: s, rescale: false });
  }
});

test('qsgd per-coordinate (explicit): payload = 32 + Σ(|ω(|l|+1)| + [l ≠ 0]), decodes, and costs more than the paper coding', () => {
  const d = 5000, s = 8;
  const c = createCompressor({ id: 'qsgd', levels: s, coder: 'per-coordinate' });
  const v = gaussian(d, 3);
  const out = c.encode(v, undefined, new Rng(9));
  const levels = levelsOf(out.decoded, v, s);
  let bits = 32;
  for (let i = 0; i < d; i++) bits += eliasOmegaLength(Math.abs(levels[i]!) + 1) + (levels[i] !== 0 ? 1 : 0);
  assert.equal(out.payloadBits, bits);
  assert.equal(out.body.length, Math.ceil(bits / 8));
  assert.deepEqual(c.decode(out.body, d, undefined), out.decoded);
  assert.equal(c.spec['coder'], 'per-coordinate');
  // same rng, same levels: only the coding differs
  const paper = createCompressor({ id: 'qsgd', levels: s }).encode(v, undefined, new Rng(9));
  assert.deepEqual(paper.decoded, out.decoded);
  assert.ok(paper.payloadBits < 0.7 * out.payloadBits, `${paper.payloadBits} vs ${out.payloadBits}`);
});

test('qsgd bits against the order-0 entropy of the signed levels (d = 100,000, s = 8): rANS within 2 %, paper coding 1.3–1.6× and under Theorem 3.2', () => {
  const d = 100_000, s = 8;
  const v = gaussian(d, 11);
  const paper = createCompressor({ id: 'qsgd', levels: s }).encode(v, undefined, new Rng(1));
  const rans = createCompressor({ id: 'qsgd', levels: s, coder: 'rans' }).encode(v, undefined, new Rng(1));
  assert.deepEqual(rans.decoded, paper.decoded);
  const h = entropy(levelsOf(paper.decoded, v, s)) * d;
  const ransRatio = (rans.payloadBits - 32) / h, paperRatio = (paper.payloadBits - 32) / h;
  assert.ok(ransRatio >= 1 && ransRatio <= 1.02, `rANS ${ransRatio.toFixed(4)} × n·H`);
  // Elias-ω run lengths are universal, not entropy codes: ~1.5× on geometric runs (docs/codecs/qsgd.md)
  assert.ok(paperRatio >= 1.3 && paperRatio <= 1.6, `paper coding ${paperRatio.toFixed(4)} × n·H`);
  // QSGD Theorem 3.2 (expected bits, o(1) dropped): (3 + 1.5·log₂(2(s² + d)/(s(s + √d))))·s(s + √d) + 32
  const k = s * (s + Math.sqrt(d));
  const theorem = (3 + 1.5 * Math.log2((2 * (s * s + d)) / k)) * k + 32;
  assert.ok(paper.payloadBits <= theorem, `${paper.payloadBits} > ${theorem}`);
});

test('qsgd: the zero vector is the norm alone; a lone level decodes at its index', () => {
  const c = createCompressor({ id: 'qsgd', levels: 4 });
  const zero = c.encode(new Float32Array(1000), undefined, new Rng(1));
  assert.equal(zero.payloadBits, 32);
  assert.deepEqual(c.decode(zero.body, 1000, undefined), new Float32Array(1000));
  const one = new Float32Array(1000);
  one[999] = -3;
  const out = c.encode(one, undefined, new Rng(1));
  // run 1000, sign, level s = 4
  assert.equal(out.payloadBits, 32 + eliasOmegaLength(1000) + 1 + eliasOmegaLength(4));
  assert.equal(c.decode(out.body, 1000, undefined)[999], -3);
});

test('qsgd: decoder rejects runs past the last coordinate, levels above s, bad norms and truncation', () => {
  const c = createCompressor({ id: 'qsgd', levels: 2 });
  const out = c.encode(gaussian(300, 4), undefined, new Rng(1));
  assert.throws(() => c.decode(out.body, 250, undefined), /passes the last coordinate 249/);
  assert.throws(() => c.decode(out.body.subarray(0, 3), 300, undefined), /too short/);
  const nan = out.body.slice();
  new DataView(nan.buffer).setFloat32(0, NaN, true);
  assert.throws(() => c.decode(nan, 300, undefined), /norm is NaN/);
  // run ω(1) = 0, sign 0, level ω(3) = 11 0 > s = 2, padding 111
  assert.throws(() => c.decode(new Uint8Array([0, 0, 0, 0, 0b00110111]), 1, undefined), /level 3 at index 0 exceeds s = 2/);
  // run ω(2) = 10 0 from index −1 reaches index 1 of a 1-coordinate vector
  assert.throws(() => c.decode(new Uint8Array([0, 0, 0, 0, 0b10000111]), 1, undefined), /run length 2 after index -1/);
  // a zero tail is not padding: run 1, sign 0, then a truncated level
  assert.throws(() => c.decode(new Uint8Array([0, 0, 0, 0, 0b00000000]), 8, undefined), CodecError);
});

test('qsgd per-coordinate: decoder rejects wrong dimension, levels above s and trailing bits', () => {
  const c = createCompressor({ id: 'qsgd', levels: 2, coder: 'per-coordinate' });
  const out = c.encode(gaussian(300, 4), undefined, new Rng(1));
  assert.throws(() => c.decode(out.body, 301, undefined), CodecError);
  assert.throws(() => c.decode(out.body, 250, undefined), /bits left after 250 coordinates/);
  // ω(4) = 10 100 0: level 3 > s = 2
  assert.throws(() => c.decode(new Uint8Array([0, 0, 0, 0, 0b10100011]), 1, undefined), /level 3 at index 0 exceeds s = 2/);
});

test('qsgd: unknown coder is a CodecError naming the choices', () => {
  assert.throws(() => createCompressor({ id: 'qsgd', levels: 4, coder: 'huffman' }), /'elias' or 'per-coordinate' or 'rans'/);
});
