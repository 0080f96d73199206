/**
 * Threshold (ternary) quantizer of QCMD/QRDA adagrad (paper 003; ALGORITHMS.md §4):
 * Q(v) = s·t, t_i = sign(v_i)·[|v_i| > Δ], s = mean of |v_i| over I_Δ = {i : |v_i| > Δ}.
 * The optimal Δ* maximises (Σ_{I_Δ}|v_i|)² / |I_Δ| (equivalently minimises ‖Q(v) − v‖²).
 */
export interface Threshold {
  /** Δ: coordinates with |v_i| > Δ are kept */
  readonly delta: number;
  /** s = mean |v_i| over I_Δ (0 when nothing is kept) */
  readonly scale: number;
  /** |I_Δ| */
  readonly count: number;
}

/**
 * Sort |v| and scan every achievable support (the top k, where the k-th magnitude is
 * strictly above the (k+1)-th, so some Δ selects exactly it): O(d log d).
 */
export function optimalThreshold(v: Float32Array): Threshold {
  const d = v.length;
  const a = new Float32Array(d);
  for (let i = 0; i < d; i++) a[i] = Math.abs(v[i]!);
  a.sort(); // ascending; scanned from the top
  let sum = 0;
  let best = 0;
  let bestK = 0;
  let bestSum = 0;
  for (let k = 1; k <= d; k++) {
    const x = a[d - k]!;
    if (x === 0) break; // zeros are never in I_Δ (strict >) and add nothing
    sum += x;
    const next = k < d ? a[d - k - 1]! : 0;
    if (next === x) continue; // ties: Δ cannot split equal magnitudes
    const obj = (sum * sum) / k;
    if (obj > best) {
      best = obj;
      bestK = k;
      bestSum = sum;
    }
  }
  if (bestK === 0) return { delta: 0, scale: 0, count: 0 };
  const delta = bestK < d ? a[d - bestK - 1]! : 0;
  return { delta, scale: bestSum / bestK, count: bestK };
}

/** The paper's fast approximation Δ ≈ 0.75·mean|v| (factor configurable), with its s. */
export function approxThreshold(v: Float32Array, factor = 0.75): Threshold {
  const d = v.length;
  let l1 = 0;
  for (let i = 0; i < d; i++) l1 += Math.abs(v[i]!);
  const delta = d > 0 ? (factor * l1) / d : 0;
  return thresholdAt(v, delta);
}

/** s and |I_Δ| for a given Δ. */
export function thresholdAt(v: Float32Array, delta: number): Threshold {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < v.length; i++) {
    const x = Math.abs(v[i]!);
    if (x > delta) {
      sum += x;
      count++;
    }
  }
  return { delta, scale: count > 0 ? sum / count : 0, count };
}

/** (Σ_{I_Δ}|v_i|)² / |I_Δ| for a given Δ (0 for an empty set): what Δ* maximises. */
export function thresholdObjective(v: Float32Array, delta: number): number {
  const t = thresholdAt(v, delta);
  return t.count > 0 ? t.scale * t.scale * t.count : 0;
}
