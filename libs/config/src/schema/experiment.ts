import * as z from 'zod';
import { AlgorithmSchema } from './algorithms.js';
import { TopologySchema } from './topology.js';
import { CodecSpecSchema, DatasetSpecSchema, defaultTag, JobName, LogSchema, PartitionSchema } from './common.js';
import { BudgetsSchema, TelemetrySchema } from './budgets.js';

export const ModelSchema = defaultTag('kind', 'mlp', z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mlp'), hidden: z.array(z.int().min(1)).default([32]), activation: z.enum(['relu', 'tanh', 'sigmoid']).default('relu') }),
  z.strictObject({ kind: z.literal('logistic') }),
  z.strictObject({ kind: z.literal('linear') }),
  // norm: layer = per-sample normalization before every conv/fc layer (see the lenet model)
  z.strictObject({ kind: z.literal('lenet'), norm: z.enum(['none', 'layer']).default('none') }),
  z.strictObject({ kind: z.literal('onnx'), path: z.string().min(1), freeze: z.array(z.string()).default([]) }),
]));
export type ModelConfig = z.output<typeof ModelSchema>;

export const DataSchema = z.strictObject({
  dataset: DatasetSpecSchema.default('digits'),
  testFraction: z.number().gt(0).lt(1).default(0.2),
  normalize: z.enum(['standard', 'minmax', 'none']).default('standard'),
  partition: defaultTag('kind', 'iid', PartitionSchema).prefault({ kind: 'iid' }),
});

export const FleetSchema = z.strictObject({
  devices: z.int().min(1).max(100_000).default(8),
  prefix: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/).default('dev-'),
});
export type FleetConfig = z.output<typeof FleetSchema>;

/**
 * Largest `maxMessageBytes` a gateway's broker accepts: an MQTT packet's Remaining Length
 * tops out at 268 435 455 bytes, and the broker's guard allows 64 kiB of topic plus 1 kiB of
 * header on top of the payload.
 */
export const MAX_MESSAGE_BYTES = 268_435_455 - 65_536 - 1024;

export const TransportSchema = z.strictObject({
  kind: z.enum(['mqtt', 'memory']).default('mqtt'),
  qos: z.literal([0, 1, 2]).default(1),
  /** messages above this are chunked (brokers cap messages: Mosquitto 2 MB, EMQX 1 MB by default) */
  maxMessageBytes: z.int().min(1024).max(MAX_MESSAGE_BYTES).default(262_144),
  roundTimeoutMs: z.int().min(1).default(60_000),
});

/** When a finished job counts as failed (`edgefl sim` and `edgefl gateway` then exit 3). */
export const HealthSchema = z.strictObject({
  /** rounds in which the server aggregated no update at all, as a fraction of the job's rounds, above which the job failed */
  maxEmptyRoundFraction: z.number().min(0).max(1).default(0.25),
  /** a final loss above this × the run's best loss is a blown-up (diverged) model */
  maxLossRatio: z.number().min(1).default(100),
});

/** One federated job: what `edgefl sim` runs and what a gateway publishes to its agents. */
export const ExperimentConfigSchema = z.strictObject({
  job: JobName,
  seed: z.int().min(0).max(0xffffffff).default(1),
  rounds: z.int().min(1).default(20),
  /** how often the lab evaluates the model (a run-record entry every `every` rounds and after the last) */
  evaluation: z.strictObject({ every: z.int().min(1).default(1) }).prefault({}),
  data: DataSchema.prefault({}),
  model: ModelSchema.prefault({ kind: 'mlp' }),
  fleet: FleetSchema.prefault({}),
  algorithm: defaultTag('name', 'fedavg', AlgorithmSchema).prefault({ name: 'fedavg' }),
  /** the peers' graph for decentralized algorithms (each algorithm has a default, e.g. a chain) */
  topology: TopologySchema.optional(),
  codec: z
    .strictObject({
      // an `id` left out means the default codec, so `--set codec.up.bits=4` tunes it
      up: defaultTag('id', 'uniform', CodecSpecSchema).prefault({ id: 'uniform', bits: 8 }),
      down: defaultTag('id', 'float32', CodecSpecSchema).prefault({ id: 'float32' }),
    })
    .prefault({}),
  transport: TransportSchema.prefault({}),
  health: HealthSchema.prefault({}),
  /** rate budgets per link (bits/s on the wire, payload bits per round); absent: unlimited */
  budgets: BudgetsSchema.optional(),
  /** agents' own counters on `telemetry/{device}` (absent: every 5 s) */
  telemetry: TelemetrySchema.optional(),
  /** the broker `sim` embeds; port 0 picks a free port */
  gateway: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.int().min(0).max(65535).default(0) }).prefault({}),
  log: LogSchema,
});
export type ExperimentConfig = z.output<typeof ExperimentConfigSchema>;

/** Ids of a fleet's devices: prefix + 1-based index, zero-padded to ≥ 2 digits (dev-01 … dev-08). */
export function deviceIds(fleet: FleetConfig): string[] {
  const width = Math.max(2, String(fleet.devices).length);
  return Array.from({ length: fleet.devices }, (_, i) => `${fleet.prefix}${String(i + 1).padStart(width, '0')}`);
}
