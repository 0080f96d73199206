import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { AgentConfigSchema, type AgentConfig } from '../schema/agent.js';
import { deviceIds, ExperimentConfigSchema, type ExperimentConfig } from '../schema/experiment.js';
import { GatewayConfigSchema, type GatewayConfig } from '../schema/gateway.js';
import { applySets, asMapping, loadConfig, validateConfig } from './load.js';
import { parseOverrides } from './overrides.js';
import { readYamlFile } from './yaml.js';

/** An experiment file (`edgefl sim <file>`). */
export function loadExperimentConfig(path: string, overrides: readonly string[] = []): ExperimentConfig {
  return loadConfig(path, ExperimentConfigSchema, overrides);
}

/** An agent file (`edgefl agent --config <file>`). */
export function loadAgentConfig(path: string, overrides: readonly string[] = []): AgentConfig {
  return loadConfig(path, AgentConfigSchema, overrides);
}

/**
 * A gateway file. `experimentFile: <path>` (relative to the gateway file) is read and
 * inlined as `experiment` first; `devices` defaults to the experiment's fleet ids, and a
 * given list sets the fleet size.
 */
export function loadGatewayConfig(path: string, overrides: readonly string[] = []): GatewayConfig {
  const sets = parseOverrides(overrides);
  const data = asMapping(readYamlFile(path), path);
  const file = data['experimentFile'];
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new ConfigError(path, [{ path: 'experimentFile', message: `experimentFile: expected path of an experiment YAML file, got ${JSON.stringify(file)}` }]);
    }
    if (data['experiment'] !== undefined) {
      throw new ConfigError(path, [{ path: 'experiment', message: 'experiment: expected either experiment or experimentFile, got both' }]);
    }
    const expPath = resolve(dirname(path), file);
    data['experiment'] = asMapping(readYamlFile(expPath), expPath);
    delete data['experimentFile'];
  }
  applySets(GatewayConfigSchema, data, sets, path);
  const source = typeof file === 'string' ? `${path} (experiment from ${resolve(dirname(path), file)})` : path;
  const cfg = validateConfig(GatewayConfigSchema, data, source, sets);
  if (cfg.devices === undefined) return { ...cfg, devices: deviceIds(cfg.experiment.fleet) };

  const rawFleet = (data['experiment'] as { fleet?: { devices?: unknown } } | undefined)?.fleet?.devices;
  if (rawFleet !== undefined && rawFleet !== cfg.devices.length) {
    throw new ConfigError(source, [{
      path: 'devices',
      message: `devices: expected ${String(rawFleet)} ids (experiment.fleet.devices), got ${cfg.devices.length}`,
    }]);
  }
  return { ...cfg, experiment: { ...cfg.experiment, fleet: { ...cfg.experiment.fleet, devices: cfg.devices.length } }, devices: cfg.devices };
}

/** Re-validate an experiment that arrived as data (e.g. the job spec a gateway publishes). */
export function parseExperimentConfig(data: unknown, source = 'job spec'): ExperimentConfig {
  return validateConfig(ExperimentConfigSchema, data, source);
}
