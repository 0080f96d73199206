import type { Rng } from '@edgefl/core';
import { DataError } from '../errors.js';
import { rowsByClass } from '../preprocess/split.js';
import { checkDevices, checkLabels, finish } from './check.js';

/**
 * Label-skewed split of Hsu, Qi & Brown (2019): for each class c draw proportions
 * p_c ~ Dir(α·1_K) over the K devices and give device k a share p_{c,k} of class c's rows.
 * Small α (0.1) gives each device a few dominant classes; large α (100) approaches iid.
 * No device is left empty: a device that drew nothing takes one row from the largest.
 */
export function dirichlet(labels: ArrayLike<number>, devices: number, alpha: number, rng: Rng): Int32Array[] {
  checkDevices(labels.length, devices);
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new DataError(`Dirichlet concentration α = ${alpha} must be a positive number`, 'use e.g. 0.1 (very skewed), 0.5, or 100 (near iid)');
  }
  const classes = checkLabels(labels, 'dirichlet');
  const parts: number[][] = Array.from({ length: devices }, () => []);
  const p = new Float64Array(devices);
  for (const rows of rowsByClass(labels, classes)) {
    if (rows.length === 0) continue;
    rng.shuffle(rows);
    // Dir(α) as normalised independent Gamma(α, 1) draws
    let sum = 0;
    for (let k = 0; k < devices; k++) { p[k] = rng.gamma(alpha); sum += p[k]!; }
    let cum = 0;
    let lo = 0;
    for (let k = 0; k < devices; k++) {
      cum += p[k]! / sum;
      const hi = k === devices - 1 ? rows.length : Math.min(rows.length, Math.round(cum * rows.length));
      const part = parts[k]!;
      for (let i = lo; i < hi; i++) part.push(rows[i]!);
      lo = Math.max(lo, hi);
    }
  }
  fillEmpty(parts, rng);
  return finish(parts);
}

/** Give each empty part one random row of the currently largest part. */
function fillEmpty(parts: number[][], rng: Rng): void {
  for (const part of parts) {
    if (part.length > 0) continue;
    let big = parts[0]!;
    for (const q of parts) if (q.length > big.length) big = q;
    const i = rng.int(big.length);
    part.push(big[i]!);
    big[i] = big[big.length - 1]!;
    big.pop();
  }
}
