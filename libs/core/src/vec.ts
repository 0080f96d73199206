/**
 * Vector math on Float32Array/Float64Array: the shared vocabulary of algorithms and
 * codecs. Plain indexed loops, no allocation unless a function returns a new vector.
 */
export type Vec = Float32Array | Float64Array;

export function dot(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** y ← y + a·x */
export function axpy(a: number, x: Vec, y: Vec): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}

/** x ← a·x */
export function scale(a: number, x: Vec): void {
  for (let i = 0; i < x.length; i++) x[i] = a * x[i]!;
}

/** out ← a − b */
export function sub(a: Vec, b: Vec, out: Vec): Vec {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** out ← a + b */
export function add(a: Vec, b: Vec, out: Vec): Vec {
  for (let i = 0; i < out.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function norm2(x: Vec): number {
  return Math.sqrt(dot(x, x));
}

export function normInf(x: Vec): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > m) m = v;
  }
  return m;
}

export function norm1(x: Vec): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s;
}

/** Squared Euclidean distance. */
export function dist2(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Soft-thresholding, the prox of t·‖·‖₁: sign(a)·max(|a| − t, 0), in place into out. */
export function softThreshold(x: Vec, t: number, out: Vec = x): Vec {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v > t ? v - t : v < -t ? v + t : 0;
  }
  return out;
}

/** True when every entry is finite. */
export function allFinite(x: Vec): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
