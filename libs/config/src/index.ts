export { ConfigError, type ConfigProblem } from './errors.js';
export { loadConfig, validateConfig } from './load/load.js';
export { loadExperimentConfig, loadAgentConfig, loadGatewayConfig, parseExperimentConfig } from './load/specific.js';
export { parseOverrides, applyOverrides, type Override } from './load/overrides.js';
export { parseYaml, readYamlFile } from './load/yaml.js';
export {
  JobName, DeviceId, LOG_LEVELS, LogSchema, DATASET_NAMES, DatasetSpecSchema, PartitionSchema, CodecSpecSchema,
  type LogLevel, type DatasetSpecConfig, type PartitionConfig, type CodecSpecConfig,
} from './schema/common.js';
export { ALGORITHM_SCHEMAS, AlgorithmSchema, type AlgorithmConfig, type AlgorithmName } from './schema/algorithms.js';
export { TopologySchema, type TopologyConfig } from './schema/topology.js';
export {
  ExperimentConfigSchema, ModelSchema, DataSchema, FleetSchema, TransportSchema, MAX_MESSAGE_BYTES, deviceIds,
  type ExperimentConfig, type ModelConfig, type FleetConfig,
} from './schema/experiment.js';
export { GatewayConfigSchema, type GatewayConfig } from './schema/gateway.js';
export { AgentConfigSchema, AgentDataSchema, type AgentConfig, type AgentDataConfig } from './schema/agent.js';
export {
  BudgetsSchema, RateBudgetSchema, DeviceBudgetSchema, TotalBudgetSchema, TelemetrySchema, type BudgetsConfig, type RateBudgetConfig, type TotalBudgetConfig,
} from './schema/budgets.js';
export { MonitorSchema, type MonitorConfig } from './schema/monitor.js';
