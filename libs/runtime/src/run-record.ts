import type { LinkId, RateBudget } from '@edgefl/transport';
import type { HopCounters } from './accounting.js';
import type { HealthRecord } from './health.js';

/** One round of a run record (format edgefl-run/1, docs/architecture.md). */
export interface RoundRecord {
  readonly round: number;
  /** the global training objective */
  readonly loss: number;
  /** on held-out data; null for regression */
  readonly accuracy: number | null;
  /** the objective's loss on the held-out data (the regression experiments' test loss) */
  readonly testLoss: number | null;
  /** F − F* where F* is known (convex experiments), else null */
  readonly objectiveGap: number | null;
  /** payload bits of this round, each transmission once */
  readonly payloadBits: number;
  /** MQTT bytes this round carried over all device links */
  readonly wireBytes: number;
  readonly wallMs: number;
  /** fields an algorithm adds (`Algorithm.roundMetrics`), e.g. modelSparsity */
  readonly [field: string]: number | null;
}

export interface LinkRecord {
  readonly from: string;
  readonly to: string;
  readonly messages: number;
  readonly payloadBits: number;
  readonly wireBytes: number;
  readonly budgetBitsPerSec: number | null;
  readonly budgetBitsPerRound: number | null;
  readonly overBudget: number;
}

export interface RunRecord {
  readonly format: 'edgefl-run/1';
  /** which program wrote it: `sim` (lab) or `gateway` (fleet) */
  readonly source?: 'sim' | 'gateway';
  /** present, and true, only when the run was stopped (Ctrl-C) before its last round; `rounds` holds the rounds done */
  readonly incomplete?: true;
  readonly config: unknown;
  /** the model's parameter count, so bits can be compared with float32 vectors */
  readonly model: { readonly dim: number };
  readonly rounds: readonly RoundRecord[];
  readonly links: readonly LinkRecord[];
  /** whether the job did its work (`edgefl sim`/`gateway` exit 3 when `ok` is false); absent in records of older versions */
  readonly health?: HealthRecord;
  readonly totals: {
    readonly rounds: number;
    readonly payloadBits: number;
    readonly wireBytes: number;
    readonly wallMs: number;
    readonly finalLoss: number;
    readonly finalAccuracy: number | null;
    /** fields an algorithm adds (`Algorithm.runTotals`), e.g. contractionFactor */
    readonly [field: string]: number | null;
  };
}

/** Budget of a hop and rate violations measured elsewhere (e.g. at the gateway's sockets). */
export interface LinkBudgetInfo {
  budgetOf(link: LinkId): RateBudget | null;
  /** seconds in which the link carried more than its bitsPerSec (plus one burst); default 0 */
  rateViolations?(link: LinkId): number;
  /** payload bits the link carried in each round, to check `bitsPerRound` */
  roundBits?(link: LinkId): readonly number[];
}

/**
 * Run-record links from hop counters. `overBudget` counts the rounds in which a hop's payload
 * bits exceeded its `bitsPerRound`, plus the rate violations the caller measured.
 */
export function linkRecords(hops: readonly HopCounters[], budgets?: LinkBudgetInfo): LinkRecord[] {
  return hops.map((h) => {
    const b = budgets?.budgetOf(h) ?? null;
    const perRound = b?.bitsPerRound ?? null;
    let over = budgets?.rateViolations?.(h) ?? 0;
    if (perRound !== null) for (const bits of budgets?.roundBits?.(h) ?? []) if (bits > perRound) over++;
    return {
      from: h.from, to: h.to, messages: h.messages, payloadBits: h.payloadBits, wireBytes: h.wireBytes,
      budgetBitsPerSec: b?.bitsPerSec ?? null, budgetBitsPerRound: perRound, overBudget: over,
    };
  });
}
