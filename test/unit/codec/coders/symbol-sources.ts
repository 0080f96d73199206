import type { Rng } from '@edgefl/core';

/** Laplace(0, b) samples by inverse CDF; a fraction `zeroFraction` is exactly 0 (as after an L1 prox). */
export function laplaceVector(rng: Rng, d: number, b = 1, zeroFraction = 0): Float64Array {
  const v = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const u = rng.next() - 0.5;
    const x = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    v[i] = rng.next() < zeroFraction ? 0 : x;
  }
  return v;
}

/**
 * MALCOM's dithered min–max quantiser (paper 002, MALCOM-PSGD), written out here so the coder
 * test does not depend on the quantizer module: s = ⌊L·(p − m)/r + u⌋ ∈ {0..L}; exact zeros
 * get the dedicated symbol 0, level s is symbol s + 1 (alphabet L + 2).
 */
export function malcomSymbols(rng: Rng, p: Float64Array, levels: number): Uint8Array {
  let mn = Infinity;
  let mx = -Infinity;
  for (const x of p) { if (x < mn) mn = x; if (x > mx) mx = x; }
  const range = mx - mn || 1;
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) {
    out[i] = p[i] === 0 ? 0 : 1 + Math.floor((levels * (p[i]! - mn)) / range + rng.next());
  }
  return out;
}

export function countsOf(symbols: ArrayLike<number>, alphabet: number): number[] {
  const c = new Array<number>(alphabet).fill(0);
  for (let i = 0; i < symbols.length; i++) c[symbols[i]!]!++;
  return c;
}

/** Empirical entropy in bits per symbol. */
export function entropyBits(counts: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log2(c / n);
  return h;
}
