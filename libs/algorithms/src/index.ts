export type * from './contract/types.js';
export type { AlgorithmDeclaration, AlgorithmFamily, BuildContext, Codecs } from './contract/declaration.js';
export { defineAlgorithm } from './contract/declaration.js';
export { AlgorithmError } from './contract/errors.js';
export { BudgetedCodec } from './contract/budget-fit.js';
export { ALGORITHMS, algorithmNames, algorithmSchemas, createAlgorithm, findAlgorithm, type AlgorithmSpec } from './registry.js';
export { fedAvg, type FedAvgOptions } from './server/fedavg/index.js';
export { algorithmsHelp, algorithmsMarkdown, paramDocs, type ParamDoc } from './describe.js';
export { dqAlgorithm, contractionBound, methodConstants, coveringEfficiency, thresholdRate, phi, fitContraction, LeastSquares, RangeSchedule, type DqOptions, type Method, type Quantization } from './server/dq/index.js';
