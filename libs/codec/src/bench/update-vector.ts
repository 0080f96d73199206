import { Rng } from '@edgefl/core';

/**
 * A model-update-like vector for the codec benchmarks: Laplace-distributed values (scale
 * 0.01) with 20 % exact zeros, seeded so every benchmark times the same input.
 */
export function laplaceUpdateVector(d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    if (r.next() < 0.2) continue;
    const u = r.next() - 0.5;
    v[i] = -0.01 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return v;
}
