import { EdgeflError } from '@edgefl/core';
import { waterFill } from '@edgefl/codec';
import type { ExperimentConfig } from '@edgefl/config';
import { budgetOf, type LinkId, type RateBudget } from '@edgefl/transport';
import type { LinkBudgetInfo } from './run-record.js';
import type { TrafficAccounting } from './accounting.js';

/** The budget of every link of a job, for run records and monitors. */
export function jobBudgets(
  cfg: ExperimentConfig, devices: readonly string[], accounting?: TrafficAccounting, rateViolations?: (link: LinkId) => number,
): LinkBudgetInfo {
  const budgets = cfg.budgets;
  return {
    budgetOf: (link): RateBudget | null => budgetOf(budgets, link, devices),
    ...(accounting ? { roundBits: (link: LinkId) => accounting.roundBits(link) } : {}),
    ...(rateViolations ? { rateViolations } : {}),
  };
}

/** The wire rate (bits/s) a sender's token bucket allows on a link of this job, or null. */
export function linkRate(cfg: ExperimentConfig, devices: readonly string[]): (link: LinkId) => number | null {
  const budgets = cfg.budgets;
  return (link) => budgetOf(budgets, link, devices)?.bitsPerSec ?? null;
}

/**
 * The job's `budgets.total` split into per-device budgets (the DQ paper's K-worker NQ-GD
 * answer to splitting one rate across links). With `water-filling`, a total T over a model of
 * d coordinates is R = T/d bits per coordinate; device k gets R_k·d with R_k = [log2(L_k/ν)]₊,
 * Σ_k R_k = R (reverse water-filling on its weight L_k: the links that matter more get more
 * bits, log-proportionally; ν found by `waterFill`), rounded down to whole bits so the shares
 * never sum above T. `equal` gives each ⌊T/K⌋. The result replaces `total` by explicit
 * `devices.<id>.up/down` entries, so the run record, shapers, monitor and codecs all see the
 * per-link budgets; a config without `total` comes back unchanged. Resolved once, where the
 * job starts (sim, gateway), and announced to agents resolved.
 */
export function resolveTotalBudget(cfg: ExperimentConfig, devices: readonly string[], dim: number): ExperimentConfig {
  const budgets = cfg.budgets;
  const total = budgets?.total;
  if (budgets === undefined || total === undefined) return cfg;
  const unknown = Object.keys(total.weights).filter((d) => !devices.includes(d));
  if (unknown.length > 0) {
    throw new BudgetError(`budgets.total.weights names ${unknown.join(', ')}, not devices of this job`, `weigh only the job's devices (${devices.slice(0, 3).join(', ')}${devices.length > 3 ? ', …' : ''})`);
  }
  const weights = devices.map((d) => total.weights[d] ?? 1);
  const devicesOut: Record<string, { up?: RateBudget; down?: RateBudget }> = {};
  for (const d of devices) devicesOut[d] = { ...budgets.devices[d] };
  for (const dir of ['up', 'down'] as const) {
    for (const field of ['bitsPerSec', 'bitsPerRound'] as const) {
      const T = total[dir]?.[field];
      if (T === undefined) continue;
      const shares = splitTotal(T, weights, dim, total.split);
      devices.forEach((d, k) => {
        if (!(shares[k]! > 0)) {
          throw new BudgetError(
            `budgets.total.${dir}.${field} = ${T} split by ${total.split} leaves device ${d} (weight ${weights[k]}) no share`,
            `raise the total, or raise ${d}'s weight in budgets.total.weights (water-filling gives nothing to links with L_k ≤ ν)`,
          );
        }
        devicesOut[d] = { ...devicesOut[d], [dir]: { ...devicesOut[d]![dir], [field]: shares[k]! } };
      });
    }
  }
  const { total: _resolved, ...rest } = budgets;
  return { ...cfg, budgets: { ...rest, devices: devicesOut } };
}

/** Shares of a total T across K links: water-filled bits per coordinate × d, or equal; whole bits, Σ ≤ T. */
export function splitTotal(T: number, weights: readonly number[], dim: number, split: 'water-filling' | 'equal'): number[] {
  if (split === 'equal') return weights.map(() => Math.floor(T / weights.length));
  const { bits } = waterFill(weights, T / dim);
  return bits.map((r) => Math.floor(r * dim));
}

/** A job's budgets that cannot be resolved into per-link budgets. */
export class BudgetError extends EdgeflError {
  constructor(message: string, hint: string) {
    super('BUDGET', message, hint);
  }
}
