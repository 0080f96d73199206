export { Mailbox, type PutResult, type Admission } from './mailbox.js';
export { runNode, type RunNodeOptions } from './node-runner.js';
export { decorate, type Port, type PortDecorator, type Publish, type Transmission } from './port.js';
export { frame, unframe, WireError, type Expectation } from './wire.js';
export { Routes, RouteError, type Publication } from './routes.js';
export { TrafficAccounting, countTraffic, type HopCounters, type AccountingState } from './accounting.js';
export { CHECKPOINT_FORMAT, CheckpointError, assertSameJob, checkpointFile, jobIdentity, readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
export { MemoryNetwork, type MemoryNetworkOptions, type DeliveryKey } from './memory.js';
export { mqttPort, type MqttPortOptions } from './mqtt-port.js';
export { hostNode, NodeHostError, type HostedNode, type NodeHostOptions, type NodeRunOptions } from './host.js';
export {
  STATUS_READY, STATUS_DONE, createJob, nodeSpec, nodeEnv, trainerSeed, receiveChecks, MAX_ENVELOPE_BYTES, JOB_FORMAT,
  encodeJobAnnouncement, decodeJobAnnouncement, JobSpecError,
} from './job.js';
export type { Job, JobAnnouncement, BuildAlgorithm } from './job.js';
export { RoundTracker } from './round-tracker.js';
export { linkRecords } from './run-record.js';
export type { RunRecord, RoundRecord, LinkRecord, LinkBudgetInfo } from './run-record.js';
export { jobBudgets, linkRate, resolveTotalBudget, splitTotal, BudgetError } from './budgets.js';
export { TELEMETRY_FORMAT, MAX_TELEMETRY_BYTES, encodeTelemetry, decodeTelemetry, TelemetryError } from './telemetry.js';
export type { DeviceTelemetry, TrafficTotals } from './telemetry.js';
export { RunHealth, allFinite, judgeLosses, type HealthRecord, type NodeHealth, type RunHealthOptions } from './health.js';
