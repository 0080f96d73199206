import type { Rng } from '@edgefl/core';

/**
 * MALCOM-PSGD's dithered min–max quantizer (paper 002, Sec. III-B):
 * p̂ = (p − m)/r with m = min p, r = max p − m; s_i = ⌊L·p̂_i + u_i⌋ ∈ {0..L}, u_i ~ U[0,1),
 * so E[s_i] = L·p̂_i. Exact zeros get the dedicated symbol 0; level s is sent as s + 1.
 * Writes symbols into `out` (alphabet size L + 2).
 */
export function ditherMinMax(p: Float32Array, m: number, r: number, L: number, rng: Rng, out: Uint16Array): Uint16Array {
  const n = p.length;
  const scale = r > 0 ? L / r : 0;
  for (let i = 0; i < n; i++) {
    const x = p[i]!;
    if (x === 0) {
      out[i] = 0;
      continue;
    }
    let s = Math.floor((x - m) * scale + rng.nextFloat32());
    // float rounding at the top of the range can give L + 1
    if (s > L) s = L;
    else if (s < 0) s = 0;
    out[i] = s + 1;
  }
  return out;
}

/** Receiver: Q̂(p_i) = (1/τ)(r·s_i/L + m) and 0 for the zero symbol, into `out`. */
export function undither(sym: Uint8Array | Uint16Array, m: number, r: number, L: number, tau: number, out: Float32Array): Float32Array {
  const a = r / L / tau;
  const c = m / tau;
  for (let i = 0; i < out.length; i++) {
    const s = sym[i]!;
    out[i] = s === 0 ? 0 : a * (s - 1) + c;
  }
  return out;
}

/** τ = 1 + d/L², the shrink Lemma 1 needs for E‖Q(p) − p‖² ≤ (1 − 1/τ)‖p‖². */
export function malcomTau(d: number, L: number): number {
  return 1 + d / (L * L);
}
