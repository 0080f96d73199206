export { AGENT_THREADS_FROM_DEVICES, agentThreadsFor, fleetLimits, runExperiment } from './experiment.js';
export type { ExperimentHooks, TransportKind } from './experiment.js';
export { benchFleet, FLEET_BENCH_CASES, FLEET_BENCH_TARGETS, quickstartCase, thousandAgentsCase, timedRun, variant, median } from './bench/fleet-bench.js';
export type { FleetBenchCase, FleetBenchContext, TimedRun } from './bench/fleet-bench.js';
export { spawnAgentThreads, idleAgentThreads, closeIdleAgentThreads, setAgentThreadsKeepWarm } from './agent-threads/agent-threads.js';
export type { AgentThreads, AgentThreadsOptions, FleetStart } from './agent-threads/agent-threads.js';
export type { EmulatedDevice } from './fleet-agents.js';
export { forwardedLog, forwardLevelOf } from './agent-threads/forwarded-log.js';
export { carry as carryError, revive as reviveError, threadExitError } from './agent-threads/carried-error.js';
