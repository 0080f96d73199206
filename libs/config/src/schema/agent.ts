import * as z from 'zod';
import { DatasetSpecSchema, DeviceId, JobName, LogSchema, PartitionSchema } from './common.js';
import { ClientTlsSchema, EnvName } from './gateway.js';

/**
 * The agent's data: a whole dataset (a real device's own `{ csv }` / `{ idx }` files), or,
 * for demos, shard `index` (0-based) of a shared dataset, cut as the job cuts it. Without
 * `index` (or with `index: null`, e.g. `--set data.index=null`) the dataset is used whole.
 * `partition`, `of` and `seed` default to the job's (its partition, fleet size and seed);
 * set them only to cut differently from the job.
 */
export const AgentDataSchema = z
  .strictObject({
    dataset: DatasetSpecSchema,
    partition: PartitionSchema.optional(),
    index: z.int().min(0).nullable().optional().transform((v) => v ?? undefined),
    of: z.int().min(1).optional(),
    seed: z.int().min(0).max(0xffffffff).optional(),
  })
  .superRefine((d, ctx) => {
    const sharded = d.partition !== undefined || d.of !== undefined || d.seed !== undefined;
    if (sharded && d.index === undefined) {
      ctx.addIssue({ code: 'invalid_type', expected: 'int', input: undefined, path: ['index'], message: 'required with partition/of/seed' });
    }
    if (d.index != null && d.of !== undefined && d.index >= d.of) {
      ctx.addIssue({ code: 'too_big', origin: 'int', maximum: d.of - 1, inclusive: true, input: d.index, path: ['index'], message: 'index < of' });
    }
  });
export type AgentDataConfig = z.output<typeof AgentDataSchema>;

/** `edgefl agent`'s file: one device. */
export const AgentConfigSchema = z.strictObject({
  gateway: z.strictObject({
    url: z.string().regex(/^(mqtts?|wss?|tcp):\/\/[^\s/]+/).default('mqtt://127.0.0.1:1883'),
    /** once connected, exit after the gateway has been unreachable this long (reconnects back off 1 s, 2 s, 4 s … 30 s); null: never */
    giveUpAfterMs: z.int().min(1000).max(2_147_483_647).nullable().default(600_000),
    /** MQTT keepalive: the broker drops this device (publishing its will, `offline`) after 1.5× this without a packet */
    keepaliveSec: z.int().min(1).max(65_535).default(30),
    /** persistent: the broker queues this device's messages while it is away; clean for a gateway cluster (cluster.redis) */
    session: z.enum(['persistent', 'clean']).default('persistent'),
  }).prefault({}),
  device: DeviceId,
  job: JobName,
  data: AgentDataSchema,
  /**
   * The device's secret (printed once by `edgefl keys add <device>`): read from a file
   * (mode 0600) or from the environment variable named here — never from the command line.
   */
  auth: z.strictObject({
    secretFile: z.string().min(1).optional(),
    secretEnv: EnvName.optional(),
  }).refine((a) => (a.secretFile === undefined) !== (a.secretEnv === undefined), 'exactly one of secretFile or secretEnv').optional(),
  /** for mqtts:// and wss:// gateways: the CA that signed the gateway's certificate, and this device's certificate for mutual TLS */
  tls: ClientTlsSchema.optional(),
  limits: z.strictObject({
    /** bytes of partial chunked messages held at once; beyond it the least recently heard partials are dropped (logged) */
    reassemblyBytes: z.int().min(1024 * 1024).max(4 * 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  }).prefault({}),
  /** ONNX Runtime intra-op threads */
  threads: z.int().min(1).max(256).default(1),
  /**
   * Where this node keeps its checkpoint (written atomically after every round) and resumes
   * from after a crash; absent: nothing is kept and a restart begins the job's node afresh.
   */
  state: z.strictObject({ dir: z.string().min(1) }).optional(),
  log: LogSchema,
});
export type AgentConfig = z.output<typeof AgentConfigSchema>;
