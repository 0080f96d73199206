import * as z from 'zod';
import { DeviceId, LogSchema } from './common.js';
import { ExperimentConfigSchema } from './experiment.js';
import { MonitorSchema } from './monitor.js';

/** The aggregator's node id (@edgefl/transport's GATEWAY); no device may take it. */
const AGGREGATOR_ID = 'gateway';

/**
 * `edgefl gateway`'s file. `experimentFile` (a path relative to this file) is inlined
 * as `experiment` by `loadGatewayConfig` before validation, so `--set experiment.rounds=5`
 * works either way.
 */
export const GatewayConfigSchema = z.strictObject({
  listen: z.strictObject({ host: z.string().min(1).default('0.0.0.0'), port: z.int().min(1).max(65535).default(1883) }).prefault({}),
  experiment: ExperimentConfigSchema,
  /** device ids allowed to join; default: the experiment's fleet (dev-01 …) */
  devices: z.array(DeviceId.refine((d) => d !== AGGREGATOR_ID, `an id other than ${AGGREGATOR_ID} (the aggregator's node id)`)).min(1).optional()
    .refine((d) => d === undefined || new Set(d).size === d.length, 'a list without duplicate ids'),
  /** the monitoring HTTP server (dashboard `/`, `/metrics`, `/api/links`); absent: none */
  monitor: MonitorSchema.optional(),
  log: LogSchema,
});

/** A validated gateway configuration with `devices` resolved. */
export type GatewayConfig = Omit<z.output<typeof GatewayConfigSchema>, 'devices'> & { readonly devices: string[] };
