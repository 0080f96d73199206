/**
 * Min and max of a vector in one pass (±Infinity for an empty vector); both NaN if any
 * entry is NaN or ±∞, so encoders need no separate finiteness pass.
 */
export function minMax(x: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  let bad = 0; // Σ (v − v) stays 0 unless some v is NaN or ±∞
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    bad += v - v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return bad === 0 ? { min, max } : { min: NaN, max: NaN };
}

/** Index of the first non-finite entry, or −1. Encoders refuse NaN/∞ rather than ship them. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/**
 * max_i |x_i − ref_i| (the ∞-norm of the residual, Q-GADMM's R), or NaN if any residual is
 * not finite — so encoders need no separate finiteness pass.
 */
export function maxAbsDiff(x: Float32Array, ref: Float32Array): number {
  let m = 0;
  let bad = 0; // Σ (d − d) stays 0 unless some d is NaN or ±∞
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - ref[i]!;
    bad += d - d;
    const a = Math.abs(d);
    if (a > m) m = a;
  }
  return bad === 0 ? m : NaN;
}
