import * as z from 'zod';

const ID = '[A-Za-z0-9_-]{1,64}';

/**
 * A rate budget on one direction of one link. `bitsPerSec` caps what the link carries on
 * the wire (MQTT bytes × 8, shaped by a token bucket at the sender); `bitsPerRound` caps the
 * payload bits of one round (what the codec must fit, as the papers count bits).
 */
export const RateBudgetSchema = z.strictObject({
  bitsPerSec: z.number().positive().max(1e12).optional(),
  bitsPerRound: z.number().positive().max(1e15).optional(),
});
export type RateBudgetConfig = z.output<typeof RateBudgetSchema>;

/** A device's uplink (device → gateway) and downlink (gateway → device). */
export const DeviceBudgetSchema = z.strictObject({ up: RateBudgetSchema.optional(), down: RateBudgetSchema.optional() });

/**
 * An experiment's `budgets:` — fleet-wide `default`, per-device overrides under `devices`
 * and peer links under `links` keyed `"<from>-><to>"`. A device override replaces the
 * default field by field (`devices.dev-01.up.bitsPerSec` keeps the default `bitsPerRound`).
 */
export const BudgetsSchema = z.strictObject({
  default: DeviceBudgetSchema.optional(),
  devices: z.record(z.string().regex(new RegExp(`^${ID}$`), 'a device id'), DeviceBudgetSchema).default({}),
  links: z.record(z.string().regex(new RegExp(`^${ID}->${ID}$`), 'a peer link "<from>-><to>"'), RateBudgetSchema).default({}),
});
export type BudgetsConfig = z.output<typeof BudgetsSchema>;

/** How often agents publish their own byte counters on `telemetry/{device}`; 0 turns it off. */
export const TelemetrySchema = z.strictObject({
  intervalMs: z.union([z.literal(0), z.int().min(100).max(3_600_000)]).default(5000),
});
