/**
 * Threshold (ternary) quantizer of QCMD/QRDA adagrad (paper 003, Sec. 3.4–3.5):
 * Q(v) = s·t, t_i = sign(v_i)·[|v_i| > Δ], s = mean of |v_i| over I_Δ = {i : |v_i| > Δ}
 * (Eq. 23). The optimal Δ* maximises (Σ_{I_Δ}|v_i|)² / |I_Δ| (Eq. 24; equivalently
 * minimises ‖Q(v) − v‖², Eq. 21–22).
 *
 * Every function takes an optional indicator (1 = selected): the paper quantizes only the
 * selected coordinates S(g, I) (Eq. 10), so Δ, s and the mean of the approximation are
 * computed over the selected coordinates alone and unselected ones are never kept.
 */
export interface Threshold {
  /** Δ: selected coordinates with |v_i| > Δ are kept */
  readonly delta: number;
  /** s = mean |v_i| over I_Δ (0 when nothing is kept) */
  readonly scale: number;
  /** |I_Δ| */
  readonly count: number;
}

/** 1 = selected; absent = every coordinate. */
export type Indicator = Uint8Array | undefined;

const NONE: Threshold = { delta: 0, scale: 0, count: 0 };

interface Buckets { cnt: Uint32Array; sum: Float64Array; ub: Float64Array; kBefore: Float64Array; sBefore: Float64Array; open: Uint8Array }
const bucketCache = new Map<number, Buckets>();
/** Per-bucket tallies, cached per bucket count; counts and sums are cleared for each call. */
function bucketArrays(nb: number): Buckets {
  let b = bucketCache.get(nb);
  if (!b) {
    b = { cnt: new Uint32Array(nb), sum: new Float64Array(nb), ub: new Float64Array(nb), kBefore: new Float64Array(nb), sBefore: new Float64Array(nb), open: new Uint8Array(nb) };
    bucketCache.set(nb, b);
  }
  b.cnt.fill(0);
  b.sum.fill(0);
  return b;
}
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function floatOfBits(bits: number): number {
  u32[0] = bits;
  return f32[0]!;
}

/**
 * Exact Δ* without sorting all of |v| (issue 11: sort-and-scan is O(d log d)).
 *
 * Non-negative float32 magnitudes order like their bit patterns, so one pass drops each
 * selected |v_i| into a bucket by its top bits (exponent and leading mantissa bits) and
 * sums count and Σ|v| per bucket. Scanning buckets from the top gives the objective
 * exactly at every bucket boundary (everything above a boundary is strictly larger than
 * everything below, so some Δ selects exactly that set). Inside a bucket of n values
 * below h, with K values and sum S above it, the objective at K + j is at most
 * g(j) = (S + j·h)² / (K + j), a convex function of j, so max(g(1), g(n)) bounds the
 * whole bucket; only buckets whose bound beats the best boundary are sorted and scanned
 * element by element. The result is the same maximum sort-and-scan finds (verified
 * against brute force and against the sort in the tests); typically a few hundred
 * values get sorted, so the cost is two linear passes.
 */
export function optimalThreshold(v: Float32Array, indicator?: Indicator): Threshold {
  const d = v.length;
  // |v_i| as bits: the sign bit cleared; non-negative float32s order like these integers
  const vb = new Uint32Array(v.buffer, v.byteOffset, d);
  const shift = d >= 1 << 17 ? 18 : 19;
  const nb = 1 << (31 - shift);
  const { cnt, sum, ub, kBefore, sBefore, open } = bucketArrays(nb);
  let any = false;
  for (let i = 0; i < d; i++) {
    const u = vb[i]! & 0x7fffffff;
    if (u === 0 || (indicator !== undefined && indicator[i] === 0)) continue;
    const b = u >>> shift;
    cnt[b]!++;
    sum[b]! += Math.abs(v[i]!);
    any = true;
  }
  if (!any) return NONE;

  // Pass over buckets from the top: exact objective at each boundary, bound inside.
  let k = 0;
  let s = 0;
  let best = -1;
  let bestK = 0;
  let bestSum = 0;
  let bestDelta = 0;
  for (let b = nb - 1; b >= 0; b--) {
    const n = cnt[b]!;
    if (n === 0) continue;
    const h = b + 1 < nb ? floatOfBits((b + 1) << shift) : Infinity;
    kBefore[b] = k;
    sBefore[b] = s;
    const g1 = (s + h) ** 2 / (k + 1);
    const gn = (s + n * h) ** 2 / (k + n);
    ub[b] = Math.max(g1, gn);
    k += n;
    s += sum[b]!;
    const obj = (s * s) / k;
    if (obj > best) {
      best = obj;
      bestK = k;
      bestSum = s;
      // the largest float below this bucket: every lower value is ≤ it, every kept one is >
      bestDelta = b === 0 ? 0 : floatOfBits((b << shift) - 1);
    }
  }

  // Buckets whose bound could beat the best boundary are scanned element by element.
  let openCount = 0;
  for (let b = 0; b < nb; b++) {
    open[b] = cnt[b]! > 1 && ub[b]! * (1 + 1e-12) > best ? 1 : 0;
    if (open[b]) openCount += cnt[b]!;
  }
  if (openCount > 0) {
    const vals = new Float32Array(openCount);
    const start = new Uint32Array(nb + 1);
    for (let b = nb - 1, off = 0; b >= 0; b--) { start[b] = off; if (open[b]) off += cnt[b]!; }
    const fill = new Uint32Array(nb);
    for (let i = 0; i < d; i++) {
      const u = vb[i]! & 0x7fffffff;
      if (u === 0 || (indicator !== undefined && indicator[i] === 0)) continue;
      const b = u >>> shift;
      if (open[b]) vals[start[b]! + fill[b]!++] = Math.abs(v[i]!);
    }
    for (let b = nb - 1; b >= 0; b--) {
      if (!open[b]) continue;
      const n = cnt[b]!;
      const seg = vals.subarray(start[b]!, start[b]! + n).sort(); // ascending; scanned from the top
      let kk = kBefore[b]!;
      let ss = sBefore[b]!;
      for (let j = n - 1; j >= 1; j--) { // j = 0 is the bucket boundary, already scored
        const x = seg[j]!;
        kk++;
        ss += x;
        const next = seg[j - 1]!;
        if (next === x) continue; // ties: Δ cannot split equal magnitudes
        const obj = (ss * ss) / kk;
        if (obj > best) { best = obj; bestK = kk; bestSum = ss; bestDelta = next; }
      }
    }
  }
  return { delta: bestDelta, scale: bestSum / bestK, count: bestK };
}

/**
 * Sort |v| and scan every achievable support (the top k, where the k-th magnitude is
 * strictly above the (k+1)-th, so some Δ selects exactly it): O(d log d), the paper's
 * procedure (Sec. 3.4). Kept as the reference `optimalThreshold` is tested against.
 */
export function optimalThresholdBySort(v: Float32Array, indicator?: Indicator): Threshold {
  const sel = selected(v, indicator);
  const d = sel.length;
  const a = new Float32Array(d);
  for (let i = 0; i < d; i++) a[i] = Math.abs(sel[i]!);
  a.sort();
  let sum = 0;
  let best = 0;
  let bestK = 0;
  let bestSum = 0;
  for (let k = 1; k <= d; k++) {
    const x = a[d - k]!;
    if (x === 0) break; // zeros are never in I_Δ (strict >) and add nothing
    sum += x;
    const next = k < d ? a[d - k - 1]! : 0;
    if (next === x) continue;
    const obj = (sum * sum) / k;
    if (obj > best) {
      best = obj;
      bestK = k;
      bestSum = sum;
    }
  }
  if (bestK === 0) return NONE;
  const delta = bestK < d ? a[d - bestK - 1]! : 0;
  return { delta, scale: bestSum / bestK, count: bestK };
}

/**
 * The paper's fast approximation (Sec. 3.5): Δ ≈ 0.75·E|v_i| = (0.75/k)·Σ_{i∈I}|v_i|, the
 * mean over the k selected coordinates (over all d when no indicator is given).
 */
export function approxThreshold(v: Float32Array, factor = 0.75, indicator?: Indicator): Threshold {
  const d = v.length;
  let l1 = 0;
  let k = 0;
  for (let i = 0; i < d; i++) {
    if (indicator !== undefined && indicator[i] === 0) continue;
    l1 += Math.abs(v[i]!);
    k++;
  }
  const delta = k > 0 ? (factor * l1) / k : 0;
  return thresholdAt(v, delta, indicator);
}

/** s and |I_Δ| for a given Δ, over the selected coordinates. */
export function thresholdAt(v: Float32Array, delta: number, indicator?: Indicator): Threshold {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < v.length; i++) {
    if (indicator !== undefined && indicator[i] === 0) continue;
    const x = Math.abs(v[i]!);
    if (x > delta) {
      sum += x;
      count++;
    }
  }
  return { delta, scale: count > 0 ? sum / count : 0, count };
}

/** (Σ_{I_Δ}|v_i|)² / |I_Δ| for a given Δ (0 for an empty set): what Δ* maximises. */
export function thresholdObjective(v: Float32Array, delta: number, indicator?: Indicator): number {
  const t = thresholdAt(v, delta, indicator);
  return t.count > 0 ? t.scale * t.scale * t.count : 0;
}

function selected(v: Float32Array, indicator: Indicator): Float32Array {
  if (indicator === undefined) return v;
  let k = 0;
  for (let i = 0; i < v.length; i++) k += indicator[i] === 0 ? 0 : 1;
  const out = new Float32Array(k);
  for (let i = 0, j = 0; i < v.length; i++) if (indicator[i] !== 0) out[j++] = v[i]!;
  return out;
}
