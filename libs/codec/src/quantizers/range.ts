/** Min and max of a vector in one pass (±Infinity for an empty vector). */
export function minMax(x: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Index of the first non-finite entry, or −1. Encoders refuse NaN/∞ rather than ship them. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/** max_i |x_i − ref_i| (the ∞-norm of the residual, Q-GADMM's R). */
export function maxAbsDiff(x: Float32Array, ref: Float32Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - ref[i]!);
    if (d > m) m = d;
  }
  return m;
}
