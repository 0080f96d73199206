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
