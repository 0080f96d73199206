/**
 * The empirical contraction factor of a run, the paper's lim ‖x̂_T − x*‖^{1/T} (1) measured
 * on a finite run: T is the first round where the distance has fallen by `drop` (1e−8, well
 * above float64's precision floor) or has grown by 1/drop (divergence), or the last round;
 * the factor is exp(slope) of the least-squares line through ln‖x̂_t − x*‖ over the second
 * half [⌊T/2⌋, T] — the linear phase, after the transient that the constants of the bounds
 * (e.g. (95)) govern. Rounds with a zero or missing distance, or an unchanged one (the run
 * stopped), end the window.
 */
export function fitContraction(distances: readonly (number | null | undefined)[], drop = 1e-8): number | null {
  const d0 = distances[0];
  if (typeof d0 !== 'number' || !(d0 > 0) || !Number.isFinite(d0)) return null;
  let T = 0;
  for (let t = 1; t < distances.length; t++) {
    const d = distances[t];
    if (typeof d !== 'number' || !(d > 0) || !Number.isFinite(d) || d === distances[t - 1]) break;
    T = t;
    if (d <= drop * d0 || d >= d0 / drop) break;
  }
  if (T < 2) return null;
  const from = T - Math.floor(T / 2) >= 2 ? Math.floor(T / 2) : 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
  for (let t = from; t <= T; t++) {
    const y = Math.log(distances[t] as number);
    sx += t; sy += y; sxx += t * t; sxy += t * y; k++;
  }
  const slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
  return Math.exp(slope);
}
