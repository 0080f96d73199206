import type { Rng } from '@edgefl/core';

/**
 * Unbiased stochastic rounding onto the grid lo + step·{0, …, maxLevel}:
 * c = (x − lo)/step, q = ⌈c⌉ with probability c − ⌊c⌋, else ⌊c⌋, so E[lo + step·q] = x
 * (Q-GADMM's quantizer, and the min–max uniform quantizer).
 * `step = 0` (constant input) maps everything to level 0. Writes levels into `out`.
 */
export function stochasticRound(
  x: Float32Array,
  lo: number,
  step: number,
  maxLevel: number,
  rng: Rng,
  out: Uint16Array,
): Uint16Array {
  const n = x.length;
  if (!(step > 0)) {
    out.fill(0, 0, n);
    return out;
  }
  const inv = 1 / step;
  for (let i = 0; i < n; i++) {
    const c = (x[i]! - lo) * inv;
    let q = Math.floor(c);
    if (rng.nextFloat32() < c - q) q++;
    // float rounding at the ends of the range may push c a hair outside [0, maxLevel]
    out[i] = q < 0 ? 0 : q > maxLevel ? maxLevel : q;
  }
  return out;
}

/** lo + step·q for every level: the receiver's reconstruction, written into `out`. */
export function dequantizeLevels(q: Uint8Array | Uint16Array, lo: number, step: number, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = lo + step * q[i]!;
  return out;
}
