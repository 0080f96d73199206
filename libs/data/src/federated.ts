import { Rng, subset, type Dataset } from '@edgefl/core';
import { loadDataset, type DatasetSpec } from './datasets/load.js';
import { trainTestSplit } from './preprocess/split.js';
import { minmax, standardize } from './preprocess/scaler.js';
import { partition, type PartitionSpec } from './partition/index.js';

export interface FederatedDataSpec {
  readonly dataset: DatasetSpec | string;
  readonly testFraction: number;
  readonly normalize: 'standard' | 'minmax' | 'none';
  readonly partition: PartitionSpec;
}

export interface FederatedData {
  /** the whole training split (the global objective is measured on it) */
  readonly train: Dataset;
  /** held-out rows for accuracy */
  readonly test: Dataset;
  /** one training shard per device, in device order */
  readonly shards: readonly Dataset[];
}

/**
 * The data of a federated job, derived from the job seed alone: every process that runs
 * the same job (the lab, a gateway, an agent that picks its shard by index) gets the same
 * split, scaling and shards. Scaling is fitted on the training split only.
 */
export function prepareFederatedData(spec: FederatedDataSpec, devices: number, seed: number): FederatedData {
  const ds = loadDataset(spec.dataset);
  const split = trainTestSplit(ds, spec.testFraction, new Rng(`${seed}/split`));
  const scaled = spec.normalize === 'standard' ? standardize(split.train, split.test)
    : spec.normalize === 'minmax' ? minmax(split.train, split.test)
    : { train: split.train, test: split.test };
  const train = scaled.train;
  const test = scaled.test as Dataset;
  const parts = partition(spec.partition, train.y, devices, new Rng(`${seed}/partition`));
  const shards = parts.map((idx, i) => subset(train, idx, `${train.name}#${i + 1}`));
  return { train, test, shards };
}
