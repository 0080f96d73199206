export type * from './contract/types.js';
export type { AlgorithmDeclaration, AlgorithmFamily, BuildContext, Codecs } from './contract/declaration.js';
export { defineAlgorithm } from './contract/declaration.js';
export { AlgorithmError } from './contract/errors.js';
export { ALGORITHMS, algorithmNames, algorithmSchemas, createAlgorithm, findAlgorithm, type AlgorithmSpec } from './registry.js';
export { fedAvg, type FedAvgOptions } from './server/fedavg/index.js';
export { adagradL1, type AdagradL1Options } from './server/adagrad-l1/index.js';
export { AdaptiveL1State, sparsity, type Method as AdagradL1Method } from './server/adagrad-l1/updates.js';
export { algorithmsHelp, algorithmsMarkdown, paramDocs, type ParamDoc } from './describe.js';
