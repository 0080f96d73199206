import { subset, type Dataset, type Rng } from '@edgefl/core';
import { DataError } from '../errors.js';

/** Rows of each class 0…classes−1, ascending. */
export function rowsByClass(labels: ArrayLike<number>, classes: number): Int32Array[] {
  const counts = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(classes);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    out[c]![fill[c]!++] = i;
  }
  return out;
}

/**
 * A seeded train/test split. Classification splits each class separately (stratified),
 * so the test set keeps the class proportions; regression shuffles all rows.
 * `testFraction` of the rows (rounded per class) go to the test set.
 */
export function trainTestSplit(ds: Dataset, testFraction: number, rng: Rng): { train: Dataset; test: Dataset } {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new DataError(`test fraction ${testFraction} is outside (0, 1)`, 'use e.g. 0.2 for a 80/20 split');
  }
  const groups = ds.classes > 0 ? rowsByClass(ds.y, ds.classes) : [Int32Array.from({ length: ds.n }, (_, i) => i)];
  const train: number[] = [];
  const test: number[] = [];
  for (const g of groups) {
    rng.shuffle(g);
    const k = Math.round(g.length * testFraction);
    for (let i = 0; i < g.length; i++) (i < k ? test : train).push(g[i]!);
  }
  if (train.length === 0 || test.length === 0) {
    throw new DataError(
      `splitting ${ds.n} rows of ${ds.name} at ${testFraction} leaves an empty ${train.length === 0 ? 'train' : 'test'} set`,
      'use a larger dataset or a test fraction nearer 0.5',
    );
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train: subset(ds, train, ds.name), test: subset(ds, test, `${ds.name}-test`) };
}
