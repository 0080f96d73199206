import { consume, freshSumOfSquares } from '@edgefl/core';

export interface TimedAgainstReference {
  /** best ms per call of the measured function */
  readonly ms: number;
  /** the reference pass's rate over the same vector, million elements/s */
  readonly refRate: number;
}

/**
 * Times `fn` and a freshly compiled reference pass over `v` (`freshSumOfSquares`: no JIT
 * state shared with anything measured before) in alternating turns — one call of `fn`, then
 * reference calls for about as long — until `fn` has run ≥ `minMs` in all (and ≥ 3 times).
 * Both take their best call. On a shared machine both sides then sample the same load
 * windows, so the ratio is steadier than two measurements one after the other, where one
 * preempted reference skews a whole row.
 */
export function timeAgainstReference(v: Float32Array, fn: () => unknown, minMs: number): TimedAgainstReference {
  const pass = freshSumOfSquares();
  const ref = (): void => consume(pass(v));
  ref();
  fn();
  let best = Infinity;
  let bestRef = Infinity;
  let spent = 0;
  let calls = 0;
  while (calls < 3 || spent < minMs) {
    const a = performance.now();
    fn();
    const t = performance.now() - a;
    spent += t;
    calls++;
    if (t < best) best = t;
    const turnStart = performance.now();
    do {
      const b = performance.now();
      ref();
      const r = performance.now() - b;
      if (r < bestRef) bestRef = r;
    } while (performance.now() - turnStart < t);
  }
  return { ms: best, refRate: v.length / bestRef / 1e3 };
}
