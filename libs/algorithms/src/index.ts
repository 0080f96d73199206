export type * from './types.js';
export { AlgorithmError } from './errors.js';
export { fedAvg } from './fedavg.js';
export type { FedAvgOptions } from './fedavg.js';
export { createAlgorithm } from './registry.js';
export type { AlgorithmSpec, Topology, Codecs } from './registry.js';
export { BudgetedCodec } from './budget-fit.js';
