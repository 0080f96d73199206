/**
 * The threshold quantizer's optimal Δ* (paper 003, Eq. 24): the bucketed two-pass search
 * (`optimalThreshold`) against the paper's sort-and-scan (`optimalThresholdBySort`), both
 * as ratios to a plain pass (sum of squares) over the same vector. Each row is timed the
 * way the codec benchmark times its rows (`timeAgainstReference`: in turns with a fresh
 * reference pass, so load from other processes shifts both sides alike), on the codec
 * benchmark's update-like vector (`laplaceUpdateVector`). Run:
 *   node --conditions=edgefl-source --import tsx test/bench/threshold-delta.bench.ts [d …]
 */
import { pathToFileURL } from 'node:url';
import { consume } from '@edgefl/core';
import { laplaceUpdateVector, optimalThreshold, optimalThresholdBySort, timeAgainstReference } from '@edgefl/codec';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  for (const d of sizes.length ? sizes : [1e4, 1e6]) {
    const v = laplaceUpdateVector(d, d);
    for (const [name, f] of [['bucketed', optimalThreshold], ['sort-and-scan', optimalThresholdBySort]] as const) {
      const { ms, refRate } = timeAgainstReference(v, () => consume(f(v).delta), 200);
      const rate = d / ms / 1000;
      console.log(`d=${d}  Δ* ${name.padEnd(14)} ${ms.toFixed(2).padStart(9)} ms  ${rate.toFixed(1).padStart(7)} M/s  × ref ${(rate / refRate).toFixed(3)}  (ref ${refRate.toFixed(0)} M/s)`);
    }
  }
}
