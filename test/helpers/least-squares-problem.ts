import { subset, type Dataset } from '@edgefl/core';
import { syntheticLeastSquares } from '@edgefl/data';

export interface LeastSquaresProblem {
  /** `w1` … `wn` */
  readonly devices: string[];
  /** every row */
  readonly train: Dataset;
  /** `rowsPer` consecutive rows per device */
  readonly shards: Map<string, Dataset>;
}

/** A small least-squares problem split over `n` workers, rows standardized like the experiments' data. */
export function leastSquaresProblem(n: number, rowsPer = 60, features = 6): LeastSquaresProblem {
  const ds = syntheticLeastSquares({ synthetic: 'least-squares', rows: n * rowsPer, features, target: 'planted', noise: 0.1, seed: 3 });
  // unit-scale columns (N(0, 1/m) entries × √m), so the local curvature dominates ρ as in the paper
  const x = ds.x.map((v) => v * Math.sqrt(ds.n));
  const train: Dataset = { ...ds, x };
  const devices = Array.from({ length: n }, (_, i) => `w${i + 1}`);
  const shards = new Map(devices.map((id, i) => [id, subset(train, Array.from({ length: rowsPer }, (_, r) => i * rowsPer + r), id)]));
  return { devices, train, shards };
}
