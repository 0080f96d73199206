/**
 * The in-memory dataset every lib agrees on: row-major float features and one target
 * per row (a class index stored as a float for classification, a value for regression).
 */
export interface Dataset {
  readonly name: string;
  /** rows */
  readonly n: number;
  /** features per row */
  readonly features: number;
  /** n × features, row-major */
  readonly x: Float32Array;
  /** n targets: class index (0…classes−1) or regression value */
  readonly y: Float32Array;
  /** number of classes; 0 for regression */
  readonly classes: number;
}

/** Rows `idx` of `ds`, copied. */
export function subset(ds: Dataset, idx: ArrayLike<number>, name = ds.name): Dataset {
  const f = ds.features;
  const x = new Float32Array(idx.length * f);
  const y = new Float32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r]!;
    x.set(ds.x.subarray(i * f, (i + 1) * f), r * f);
    y[r] = ds.y[i]!;
  }
  return { name, n: idx.length, features: f, x, y, classes: ds.classes };
}
