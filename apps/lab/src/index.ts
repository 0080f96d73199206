export { fleetLimits, runExperiment } from './experiment.js';
export type { ExperimentHooks, TransportKind } from './experiment.js';
export { benchFleet, FLEET_BENCH_CASES, FLEET_BENCH_TARGETS, quickstartCase, thousandAgentsCase, timedRun, variant, median } from './bench/fleet-bench.js';
export type { FleetBenchCase, FleetBenchContext, TimedRun } from './bench/fleet-bench.js';
