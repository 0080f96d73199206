import type { HopCounters } from './accounting.js';

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
  /** present, and true, only when the run was stopped (Ctrl-C) before its last round; `rounds` holds the rounds done */
  readonly incomplete?: true;
  readonly config: unknown;
  /** the model's parameter count, so bits can be compared with float32 vectors */
  readonly model: { readonly dim: number };
  readonly rounds: readonly RoundRecord[];
  readonly links: readonly LinkRecord[];
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

export function linkRecords(hops: readonly HopCounters[]): LinkRecord[] {
  return hops.map((h) => ({
    from: h.from, to: h.to, messages: h.messages, payloadBits: h.payloadBits, wireBytes: h.wireBytes,
    budgetBitsPerSec: null, budgetBitsPerRound: null, overBudget: 0,
  }));
}
