import * as z from 'zod';
import { DeviceId, LogSchema } from './common.js';
import { ExperimentConfigSchema } from './experiment.js';
import { MonitorSchema } from './monitor.js';

/** The aggregator's node id (@edgefl/transport's GATEWAY); no device may take it. */
const AGGREGATOR_ID = 'gateway';

/** A TLS listener: PEM certificate and key; `ca` set = mutual TLS (clients need a certificate that CA signed). */
const TlsListenSchema = (port: number) => z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.int().min(0).max(65535).default(port),
  cert: z.string().min(1),
  key: z.string().min(1),
  ca: z.string().min(1).optional(),
});

/** TLS material a client presents or trusts (PEM file paths). */
export const ClientTlsSchema = z.strictObject({
  /** CA bundle that signed the broker's certificate (default: the system's CAs) */
  ca: z.string().min(1).optional(),
  /** client certificate and key, for a broker that requires mutual TLS */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
}).refine((t) => (t.cert === undefined) === (t.key === undefined), 'cert and key together (or neither)');

/** Environment variable names a secret may be read from. */
export const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/);

/**
 * `edgefl gateway`'s file. `experimentFile` (a path relative to this file) is inlined
 * as `experiment` by `loadGatewayConfig` before validation, so `--set experiment.rounds=5`
 * works either way.
 */
export const GatewayConfigSchema = z.strictObject({
  listen: z.strictObject({
    /** plain MQTT; loopback by default — set another address only on a trusted network */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.int().min(0).max(65535).default(1883),
    tls: TlsListenSchema(8883).optional(),
    wss: TlsListenSchema(8884).optional(),
  }).prefault({}),
  /** `{ keys: <file> }` (made by `edgefl keys add`), or `none` to allow anonymous clients (warns) */
  auth: z.union([z.literal('none'), z.strictObject({ keys: z.string().min(1) })]).optional(),
  limits: z.strictObject({
    maxConnections: z.int().min(1).max(1_000_000).default(1000),
    connectRatePerSec: z.number().positive().max(100_000).default(20),
    connectBurst: z.int().min(1).max(100_000).default(40),
    connectTimeoutMs: z.int().min(100).max(600_000).default(10_000),
    /** bytes of partial chunked messages the aggregator holds at once; beyond it the least recently heard partials are dropped (logged) */
    reassemblyBytes: z.int().min(1024 * 1024).max(16 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
  }).prefault({}),
  /**
   * Several gateways serving one fleet share retained messages, sessions and every publish
   * through Redis; exactly one of them runs the aggregator (`aggregator: true`, the default).
   */
  cluster: z.strictObject({
    redis: z.string().regex(/^rediss?:\/\/\S+$/),
    aggregator: z.boolean().default(true),
  }).optional(),
  /**
   * The embedded broker keeps its sessions (clean = false), their queued QoS 1 messages and
   * retained messages in Redis (aedes-persistence-redis) instead of memory, so updates
   * acknowledged before a gateway or broker restart are delivered after it.
   */
  persistence: z.strictObject({ redis: z.string().regex(/^rediss?:\/\/\S+$/) }).optional(),
  /**
   * Run the aggregator against an external broker (Mosquitto, EMQX, a Redis-backed aedes
   * cluster) instead of an embedded one; `edgefl gateway --broker <url>` sets `url`.
   */
  broker: z.strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\/[^\s/]+/),
    /** the aggregator's secret (`edgefl keys add gateway --keys <file> --mosquitto`): a file, or an environment variable */
    secretFile: z.string().min(1).optional(),
    secretEnv: EnvName.optional(),
    tls: ClientTlsSchema.optional(),
  }).optional(),
  experiment: ExperimentConfigSchema,
  /** device ids allowed to join; default: the experiment's fleet (dev-01 …) */
  devices: z.array(DeviceId.refine((d) => d !== AGGREGATOR_ID, `an id other than ${AGGREGATOR_ID} (the aggregator's node id)`)).min(1).optional()
    .refine((d) => d === undefined || new Set(d).size === d.length, 'a list without duplicate ids'),
  /** the monitoring HTTP server (dashboard `/`, `/metrics`, `/api/links`); absent: none */
  monitor: MonitorSchema.optional(),
  /**
   * Where this node keeps its checkpoint (written atomically after every round) and resumes
   * from after a crash; absent: nothing is kept and a restart begins the job's node afresh.
   */
  state: z.strictObject({ dir: z.string().min(1) }).optional(),
  log: LogSchema,
});

/** A validated gateway configuration with `devices` resolved. */
export type GatewayConfig = Omit<z.output<typeof GatewayConfigSchema>, 'devices'> & { readonly devices: string[] };
