export { DataError, MAX_CLASSES } from './errors.js';
export { readBytes, isGzip } from './io/read-bytes.js';
export { readCsv, type CsvOptions } from './csv/read-csv.js';
export type { Delimiter } from './csv/lines.js';
export { readIdx, type IdxOptions } from './idx/read-idx.js';
export { parseIdxHeader, IDX_DTYPES, type IdxHeader, type IdxDtype } from './idx/header.js';
export {
  BUILTIN_DATASETS, BUILTIN_INFO, isBuiltinDataset, repoDataDir, fashionMnistDir, fashionMnistFiles, hasFashionMnist,
  type BuiltinDataset, type BuiltinInfo,
} from './datasets/builtin.js';
export { syntheticLeastSquares, type SyntheticLeastSquaresSpec } from './synthetic/least-squares.js';
export { syntheticSinusoid, type SyntheticSinusoidSpec } from './synthetic/sinusoid.js';
export { loadDataset, type DatasetSpec, type CsvSpec, type IdxSpec, type NamedSpec } from './datasets/load.js';
export { standardize, minmax, fitStandard, fitMinMax, applyScaler, type Scaler, type Scaled } from './preprocess/scaler.js';
export { trainTestSplit, rowsByClass } from './preprocess/split.js';
export * from './partition/index.js';
export { prepareFederatedData, type FederatedData, type FederatedDataSpec } from './federated.js';
