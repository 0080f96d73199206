/**
 * The threshold quantizer's optimal Δ* (paper 003, Eq. 24): the bucketed two-pass search
 * (`optimalThreshold`) against the paper's sort-and-scan (`optimalThresholdBySort`), both
 * as ratios to a plain pass (sum of squares) over the same vector measured in the same run.
 * The vector is the codec benchmark's update-like Laplace vector with 20 % zeros. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/threshold-delta.bench.ts [d …]
 */
import { pathToFileURL } from 'node:url';
import { Rng, bestMs, referenceRate } from '@edgefl/core';
import { optimalThreshold, optimalThresholdBySort } from '@edgefl/codec';

function updateVector(d: number, seed: number): Float32Array {
  const r = new Rng(seed);
  const v = new Float32Array(d);
  for (let i = 0; i < d; i++) {
    if (r.next() < 0.2) continue;
    const u = r.next() - 0.5;
    v[i] = -0.01 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  }
  return v;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const d of sizes.length ? sizes : [1e4, 1e6]) {
    const v = updateVector(d, d);
    const ref = referenceRate(v, 200);
    for (const [name, f] of [['bucketed', optimalThreshold], ['sort-and-scan', optimalThresholdBySort]] as const) {
      const ms = bestMs(() => f(v), 200);
      const rate = d / ms / 1000;
      console.log(`d=${d}  Δ* ${name.padEnd(14)} ${ms.toFixed(2).padStart(9)} ms  ${rate.toFixed(1).padStart(7)} M/s  × ref ${(rate / ref).toFixed(3)}`);
    }
  }
}
