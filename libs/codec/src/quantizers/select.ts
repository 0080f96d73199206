/**
 * The k-th largest magnitude of v (1 ≤ k ≤ d) by in-place quickselect on a scratch copy:
 * O(d) expected, no per-element allocation.
 */
export function kthLargestAbs(v: Float32Array, k: number, scratch: Float32Array = new Float32Array(v.length)): number {
  const d = v.length;
  for (let i = 0; i < d; i++) scratch[i] = Math.abs(v[i]!);
  const target = d - k; // index in ascending order
  let lo = 0;
  let hi = d - 1;
  while (hi > lo) {
    // median of three as pivot
    const mid = (lo + hi) >>> 1;
    const a = scratch[lo]!, b = scratch[mid]!, c = scratch[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (scratch[i]! < pivot) i++;
      while (scratch[j]! > pivot) j--;
      if (i <= j) {
        const t = scratch[i]!;
        scratch[i] = scratch[j]!;
        scratch[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return scratch[target]!;
}

/** Indices (ascending) of the k largest |v_i|; ties at the threshold are taken first-come. */
export function topKIndices(v: Float32Array, k: number): Uint32Array {
  const d = v.length;
  const out = new Uint32Array(k);
  if (k === 0) return out;
  const thr = kthLargestAbs(v, k);
  let above = 0;
  for (let i = 0; i < d; i++) if (Math.abs(v[i]!) > thr) above++;
  let ties = k - above;
  let n = 0;
  for (let i = 0; i < d && n < k; i++) {
    const a = Math.abs(v[i]!);
    if (a > thr) out[n++] = i;
    else if (a === thr && ties > 0) {
      out[n++] = i;
      ties--;
    }
  }
  return out;
}
