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
 * One total budget per direction, split across the fleet's device links at job start:
 * `water-filling` gives device k the share R_k·d of a total R·d (d the model's coordinates),
 * R_k = [log2(L_k/ν)]₊ with Σ R_k = R (L_k its `weights` entry, default 1); `equal` gives
 * every device total/K.
 */
export const TotalBudgetSchema = z.strictObject({
  up: RateBudgetSchema.optional(),
  down: RateBudgetSchema.optional(),
  split: z.enum(['water-filling', 'equal']).default('water-filling'),
  weights: z.record(z.string().regex(new RegExp(`^${ID}$`), 'a device id'), z.number().positive().max(1e12)).default({}),
});
export type TotalBudgetConfig = z.output<typeof TotalBudgetSchema>;

/**
 * An experiment's `budgets:` — fleet-wide `default`, per-device overrides under `devices`
 * and peer links under `links` keyed `"<from>-><to>"`. A device override replaces the
 * default field by field (`devices.dev-01.up.bitsPerSec` keeps the default `bitsPerRound`).
 * `total` splits one budget across the device links (resolved into `devices` at job start).
 */
export const BudgetsSchema = z.strictObject({
  default: DeviceBudgetSchema.optional(),
  devices: z.record(z.string().regex(new RegExp(`^${ID}$`), 'a device id'), DeviceBudgetSchema).default({}),
  links: z.record(z.string().regex(new RegExp(`^${ID}->${ID}$`), 'a peer link "<from>-><to>"'), RateBudgetSchema).default({}),
  total: TotalBudgetSchema.optional(),
}).superRefine((b, ctx) => {
  // A field given as a total is the total's to split: a per-device value for it would break the sum.
  for (const dir of ['up', 'down'] as const) {
    for (const field of ['bitsPerSec', 'bitsPerRound'] as const) {
      if (b.total?.[dir]?.[field] === undefined) continue;
      if (b.default?.[dir]?.[field] !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['default', dir, field], message: `budgets.total.${dir}.${field} is split across the devices; drop default.${dir}.${field}` });
      }
      for (const [id, d] of Object.entries(b.devices)) {
        if (d[dir]?.[field] !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['devices', id, dir, field], message: `budgets.total.${dir}.${field} is split across the devices; drop this per-device value or the total` });
        }
      }
    }
  }
});
export type BudgetsConfig = z.output<typeof BudgetsSchema>;

/** How often agents publish their own byte counters on `telemetry/{device}`; 0 turns it off. */
export const TelemetrySchema = z.strictObject({
  intervalMs: z.union([z.literal(0), z.int().min(100).max(3_600_000)]).default(5000),
});
