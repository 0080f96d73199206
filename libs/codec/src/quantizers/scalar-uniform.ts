/**
 * DQ's scaled uniform scalar quantizer (paper 004): q_t(u) = r·q(u/r),
 * q uniform on [−1, 1] with 2^R cells per coordinate, reconstructing at cell midpoints, so
 * |q(x) − x| ≤ 2^−R per coordinate and ‖q_t(u) − u‖₂ ≤ √n·r·2^−R (covering radius, ρ_n = √n)
 * for ‖u‖∞ ≤ r. Coordinates outside [−r, r] are clipped to the outer cells (overload).
 */
export function scalarQuantize(u: Float32Array, r: number, R: number, out: Uint16Array): number {
  const cells = 2 ** R;
  const half = cells / 2;
  const k = half / r;
  let overload = 0;
  for (let i = 0; i < u.length; i++) {
    let j = Math.floor(u[i]! * k + half);
    if (j < 0) { j = 0; overload++; }
    else if (j >= cells) {
      // u = r exactly belongs to the top cell; beyond it is overload
      if (u[i]! > r) overload++;
      j = cells - 1;
    }
    out[i] = j;
  }
  return overload;
}

/** Cell midpoints: r·(−1 + (2j + 1)/2^R). */
export function scalarDequantize(j: Uint8Array | Uint16Array, r: number, R: number, out: Float32Array): Float32Array {
  const step = (2 * r) / 2 ** R;
  const base = -r + step / 2;
  for (let i = 0; i < out.length; i++) out[i] = base + step * j[i]!;
  return out;
}
