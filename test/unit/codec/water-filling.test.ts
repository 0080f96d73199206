import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CodecError, roundRates, waterFill } from '@edgefl/codec';

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

/** The objective water-filling minimises: Σ L_k 2^{−R_k}. */
const distortion = (w: readonly number[], r: readonly number[]): number => sum(w.map((l, k) => l * 2 ** -r[k]!));

test('waterFill: the rates sum to the total budget', () => {
  fc.assert(fc.property(
    fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 20 }),
    fc.double({ min: 0, max: 500, noNaN: true }),
    (w, R) => {
      const { bits } = waterFill(w, R);
      assert.equal(bits.length, w.length);
      assert.ok(Math.abs(sum(bits) - R) <= 1e-9 * Math.max(1, R), `Σ ${sum(bits)} vs ${R}`);
      for (const b of bits) assert.ok(b >= 0);
    },
  ));
});

test('waterFill: KKT conditions hold (active links level with ν, inactive ones at or below it)', () => {
  fc.assert(fc.property(
    fc.array(fc.double({ min: 1e-2, max: 1e2, noNaN: true }), { minLength: 1, maxLength: 12 }),
    fc.double({ min: 0.01, max: 40, noNaN: true }),
    (w, R) => {
      const { bits, nu } = waterFill(w, R);
      for (let k = 0; k < w.length; k++) {
        if (bits[k]! > 0) {
          // R_k = log2(L_k/ν)  ⇔  L_k 2^{−R_k} = ν
          assert.ok(Math.abs(w[k]! * 2 ** -bits[k]! - nu) <= 1e-9 * nu, `link ${k}: ${w[k]! * 2 ** -bits[k]!} vs ν ${nu}`);
        } else {
          assert.ok(w[k]! <= nu * (1 + 1e-9), `inactive link ${k} has weight ${w[k]} above ν ${nu}`);
        }
      }
    },
  ));
});

test('waterFill: worked example — two strong links share the budget, a weak one gets nothing', () => {
  // L = 8, 8, 1 and R = 2: ν = 4 (each strong link gets log2(8/4) = 1 bit; 1 < 4 so the weak gets 0).
  const { bits, nu } = waterFill([8, 8, 1], 2);
  assert.deepEqual(bits.map((b) => Number(b.toFixed(12))), [1, 1, 0]);
  assert.ok(Math.abs(nu - 4) < 1e-12);
  // With R = 8 all three are active: ν = 2^{(3+3+0−8)/3}.
  const all = waterFill([8, 8, 1], 8);
  assert.ok(all.bits.every((b) => b > 0));
  assert.ok(Math.abs(all.nu - 2 ** (-2 / 3)) < 1e-12);
});

test('waterFill: zero weights get no bits, and bad input is a CodecError', () => {
  assert.deepEqual(waterFill([0, 4], 3).bits, [0, 3]);
  assert.deepEqual(waterFill([2, 3], 0).bits, [0, 0]);
  assert.deepEqual(waterFill([], 5).bits, []);
  assert.throws(() => waterFill([0, 0], 1), CodecError);
  assert.throws(() => waterFill([1, -1], 1), CodecError);
  assert.throws(() => waterFill([1, NaN], 1), CodecError);
  assert.throws(() => waterFill([1], -1), CodecError);
  assert.throws(() => waterFill([1], Infinity), CodecError);
});

test('waterFill: no allocation on a grid beats it on small cases (brute force)', () => {
  const step = 0.05;
  for (const [w, R] of [[[1, 2], 3], [[5, 1, 0.5], 2], [[3, 3, 3], 1.5], [[10, 0.1], 1]] as [number[], number][]) {
    const best = distortion(w, waterFill(w, R).bits);
    const n = Math.round(R / step);
    // every split of n steps over the links
    const visit = (k: number, left: number, r: number[]): void => {
      if (k === w.length - 1) {
        const rr = [...r, left * step];
        assert.ok(distortion(w, rr) >= best - 1e-9, `${JSON.stringify(rr)} beats water-filling for ${JSON.stringify(w)}`);
        return;
      }
      for (let i = 0; i <= left; i++) visit(k + 1, left - i, [...r, i * step]);
    };
    visit(0, n, []);
  }
});

test('roundRates: whole bits, same sum, each within 1 of its real rate', () => {
  fc.assert(fc.property(
    fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 20 }),
    fc.integer({ min: 0, max: 400 }),
    (w, R) => {
      const { bits } = waterFill(w, R);
      const ints = roundRates(bits, R);
      assert.equal(sum(ints), R);
      for (let k = 0; k < w.length; k++) {
        assert.ok(Number.isInteger(ints[k]) && ints[k]! >= 0);
        assert.ok(Math.abs(ints[k]! - bits[k]!) < 1 + 1e-9);
      }
    },
  ));
  assert.deepEqual(roundRates([1.5, 1.5, 1]), [2, 1, 1]);
  assert.deepEqual(roundRates([0.2, 0.7, 0.1], 1), [0, 1, 0]);
  assert.throws(() => roundRates([1, 1], 5), CodecError);
  assert.throws(() => roundRates([-1]), CodecError);
});
