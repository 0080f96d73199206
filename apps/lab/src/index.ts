export { runExperiment } from './experiment.js';
export type { ExperimentHooks, TransportKind } from './experiment.js';
