/** Empirical order-0 entropies for the benchmarks' "how close to the entropy" columns. */

/** Order-0 entropy (bits/symbol) of a symbol sequence. */
export function entropyOf(symbols: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < symbols.length; i++) counts.set(symbols[i]!, (counts.get(symbols[i]!) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) h -= (c / symbols.length) * Math.log2(c / symbols.length);
  return h;
}

/**
 * Order-0 entropy (bits/element) of a quantizer's output. Each per-message scalar quantizer
 * maps symbols one-to-one onto reconstruction values, so the entropy of the decoded values
 * is the entropy of the symbols it codes. null for codecs without a small alphabet.
 */
export function valueEntropy(x: Float32Array): number | null {
  const counts = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    counts.set(x[i]!, (counts.get(x[i]!) ?? 0) + 1);
    if (counts.size > 70_000) return null; // not a small alphabet (float pass-through, top-k values)
  }
  let h = 0;
  for (const c of counts.values()) h -= (c / x.length) * Math.log2(c / x.length);
  return h;
}
