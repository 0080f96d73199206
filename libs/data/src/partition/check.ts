import { DataError } from '../errors.js';

/** Every partitioner needs at least one row per device. */
export function checkDevices(n: number, devices: number): void {
  if (!Number.isInteger(devices) || devices < 1) {
    throw new DataError(`cannot partition for ${devices} devices`, 'fleet.devices must be an integer ≥ 1');
  }
  if (n < devices) {
    throw new DataError(`cannot give ${devices} devices at least one row each from ${n} rows`, 'use fewer devices or a larger dataset');
  }
}

/** Labels as class indices in [0, classes); returns the number of classes. */
export function checkLabels(labels: ArrayLike<number>, kind: string): number {
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!Number.isInteger(c) || c < 0) {
      throw new DataError(`the ${kind} partition needs class labels, row ${i} has ${c}`, `use the iid partition for regression data`);
    }
    if (c > max) max = c;
  }
  return max + 1;
}

/** Each part sorted ascending, as Int32Array. */
export function finish(parts: readonly number[][]): Int32Array[] {
  return parts.map((p) => Int32Array.from(p).sort());
}
