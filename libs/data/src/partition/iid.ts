import type { Rng } from '@edgefl/core';
import { checkDevices } from './check.js';

/** Rows 0…n−1 shuffled and cut into `devices` parts whose sizes differ by at most one. */
export function iid(n: number, devices: number, rng: Rng): Int32Array[] {
  checkDevices(n, devices);
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const out: Int32Array[] = [];
  for (let d = 0; d < devices; d++) {
    const lo = Math.floor((d * n) / devices);
    const hi = Math.floor(((d + 1) * n) / devices);
    out.push(perm.slice(lo, hi).sort());
  }
  return out;
}
