export { Rng, hashString } from './rng.js';
export { EdgeflError, isEdgeflError, errorMessage } from './errors.js';
export * from './vec.js';
export { subset } from './dataset.js';
export type { Dataset } from './dataset.js';
export { nullLog, LogThrottle } from './log.js';
export type { Log } from './log.js';
export { bestMs, consume, sumOfSquares, freshSumOfSquares, referenceRate } from './bench.js';
export type { BenchRow, BenchRecord } from './bench.js';
