import type { Rng } from '@edgefl/core';
import { dirichlet } from './dirichlet.js';
import { iid } from './iid.js';
import { shards } from './shards.js';

export { iid } from './iid.js';
export { shards } from './shards.js';
export { dirichlet } from './dirichlet.js';
export { partitionStats, type PartitionStats } from './stats.js';

/** How to split a dataset over devices; the same shape as `data.partition` in the config. */
export type PartitionSpec =
  | { readonly kind: 'iid' }
  | { readonly kind: 'shards'; readonly shardsPerDevice?: number }
  | { readonly kind: 'dirichlet'; readonly alpha: number };

/** Row indices per device for `spec`. */
export function partition(spec: PartitionSpec, labels: ArrayLike<number>, devices: number, rng: Rng): Int32Array[] {
  switch (spec.kind) {
    case 'iid': return iid(labels.length, devices, rng);
    case 'shards': return shards(labels, devices, rng, spec.shardsPerDevice ?? 2);
    case 'dirichlet': return dirichlet(labels, devices, spec.alpha, rng);
  }
}
