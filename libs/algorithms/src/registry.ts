import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, NodeId, RoundBudget } from './types.js';
import { fedAvg } from './fedavg.js';
import { AlgorithmError } from './errors.js';

/** An algorithm as a job names it: `name` plus that algorithm's options. */
export type AlgorithmSpec = { readonly name: 'fedavg'; readonly localSteps: number; readonly lr: number; readonly batchSize: number };

export interface Topology {
  /** the aggregator's node id, for server-based algorithms */
  readonly server: NodeId;
  readonly devices: readonly NodeId[];
}

export interface Codecs {
  readonly up: CodecSpec;
  readonly down: CodecSpec;
}

/** Builds the algorithm a job names; the one place that maps names to implementations. */
export function createAlgorithm(spec: AlgorithmSpec, topo: Topology, codecs: Codecs, roundBudget?: RoundBudget): Algorithm {
  switch (spec.name) {
    case 'fedavg':
      return fedAvg(topo.server, topo.devices, {
        localSteps: spec.localSteps, lr: spec.lr, batchSize: spec.batchSize, ...codecs, ...(roundBudget ? { roundBudget } : {}),
      });
    default: {
      const name: string = (spec as { name: string }).name;
      throw new AlgorithmError(`unknown algorithm "${name}"`, 'use one of: fedavg');
    }
  }
}
