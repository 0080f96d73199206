// Shared helpers for the quantizer tests: seeded vectors and empirical-mean checks.
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';

export function gaussian(d: number, seed: number, sigma = 1): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) v[i] = r.normal() * sigma;
  return v;
}

/** Laplace(0, b) entries with a fraction of exact zeros: what a sparse model update looks like. */
export function sparseLaplace(d: number, seed: number, zeroFraction: number, b = 0.01): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    if (r.next() < zeroFraction) continue;
    const u = r.next() - 0.5;
    v[i] = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return v;
}

/**
 * Asserts E[sample()] = target coordinate-wise: the mean over n draws must be within
 * z standard errors (estimated from the draws' own variance) of the target.
 */
export function assertUnbiased(
  sample: (seed: number) => Float32Array,
  target: Float32Array,
  n: number,
  z = 5,
  label = '',
): void {
  const d = target.length;
  const s1 = new Float64Array(d);
  const s2 = new Float64Array(d);
  for (let t = 0; t < n; t++) {
    const x = sample(10_000 + t);
    for (let i = 0; i < d; i++) { s1[i]! += x[i]!; s2[i]! += x[i]! * x[i]!; }
  }
  for (let i = 0; i < d; i++) {
    const mean = s1[i]! / n;
    const variance = Math.max(0, s2[i]! / n - mean * mean);
    const tol = z * Math.sqrt(variance / n) + 1e-6 * (1 + Math.abs(target[i]!));
    assert.ok(Math.abs(mean - target[i]!) <= tol, `${label} coordinate ${i}: mean ${mean} vs ${target[i]} (tolerance ${tol})`);
  }
}

export function sqDist(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i]! - b[i]!; s += d * d; }
  return s;
}

export function sqNorm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}
