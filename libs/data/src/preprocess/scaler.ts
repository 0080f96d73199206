import type { Dataset } from '@edgefl/core';

/** Per-feature affine map x' = (x − shift) / scale, fitted on training rows only. */
export interface Scaler {
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}

/** Mean and standard deviation per feature (constant features get scale 1, not 0). */
export function fitStandard(ds: Dataset): Scaler {
  const f = ds.features;
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let r = 0; r < ds.n; r++) {
    const o = r * f;
    for (let j = 0; j < f; j++) mean[j] = mean[j]! + ds.x[o + j]!;
  }
  for (let j = 0; j < f; j++) mean[j] = mean[j]! / Math.max(ds.n, 1);
  // second pass on centred values: no cancellation for large offsets
  for (let r = 0; r < ds.n; r++) {
    const o = r * f;
    for (let j = 0; j < f; j++) {
      const d = ds.x[o + j]! - mean[j]!;
      sq[j] = sq[j]! + d * d;
    }
  }
  const scale = new Float32Array(f);
  for (let j = 0; j < f; j++) {
    const sd = Math.sqrt(sq[j]! / Math.max(ds.n, 1));
    scale[j] = sd > 1e-12 ? sd : 1;
  }
  return { shift: Float32Array.from(mean), scale };
}

/** Minimum and range per feature, mapping training rows to [0, 1]. */
export function fitMinMax(ds: Dataset): Scaler {
  const f = ds.features;
  const lo = new Float32Array(f).fill(Infinity);
  const hi = new Float32Array(f).fill(-Infinity);
  for (let r = 0; r < ds.n; r++) {
    const o = r * f;
    for (let j = 0; j < f; j++) {
      const v = ds.x[o + j]!;
      if (v < lo[j]!) lo[j] = v;
      if (v > hi[j]!) hi[j] = v;
    }
  }
  const scale = new Float32Array(f);
  for (let j = 0; j < f; j++) {
    if (!Number.isFinite(lo[j]!)) lo[j] = 0;
    const range = hi[j]! - lo[j]!;
    scale[j] = range > 1e-12 ? range : 1;
  }
  return { shift: lo, scale };
}

/** A copy of `ds` with the scaler applied. */
export function applyScaler(ds: Dataset, s: Scaler): Dataset {
  const f = ds.features;
  const x = new Float32Array(ds.x.length);
  for (let r = 0; r < ds.n; r++) {
    const o = r * f;
    for (let j = 0; j < f; j++) x[o + j] = (ds.x[o + j]! - s.shift[j]!) / s.scale[j]!;
  }
  return { ...ds, x };
}

export interface Scaled<T extends Dataset | undefined> {
  readonly train: Dataset;
  readonly test: T;
  readonly scaler: Scaler;
}

/** Zero mean, unit variance per feature, with statistics from `train` only (no test leakage). */
export function standardize<T extends Dataset | undefined = undefined>(train: Dataset, test?: T): Scaled<T> {
  return fitThenApply(fitStandard(train), train, test);
}

/** Features mapped to [0, 1] by the training rows' min and max (test rows may fall outside). */
export function minmax<T extends Dataset | undefined = undefined>(train: Dataset, test?: T): Scaled<T> {
  return fitThenApply(fitMinMax(train), train, test);
}

function fitThenApply<T extends Dataset | undefined>(scaler: Scaler, train: Dataset, test: T | undefined): Scaled<T> {
  return {
    train: applyScaler(train, scaler),
    test: (test === undefined ? undefined : applyScaler(test, scaler)) as T,
    scaler,
  };
}
