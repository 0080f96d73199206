import type { ExperimentConfig } from '@edgefl/config';
import { jobBudgets, judgeLosses, linkRecords, type HealthRecord, type Job, type RoundRecord, type RunRecord, type TrafficAccounting } from '@edgefl/runtime';
import type { LinkMonitor } from './monitor/link-monitor.js';

/**
 * Builds the gateway's run record (edgefl-run/1, like `sim --json`) as the job runs: one
 * round record per evaluated round, links from the gateway's own ledger (every device's
 * uplink as received, every downlink as sent), budgets and violations per link. Loss and
 * accuracy are the global model's on held-out data (the gateway holds no training data), so
 * `loss` and `testLoss` are the same held-out figure.
 */
export class GatewayRecorder {
  private readonly rounds: RoundRecord[] = [];
  private readonly pending = new Map<number, Pick<RoundRecord, 'round' | 'payloadBits' | 'wireBytes' | 'wallMs'>>();
  private readonly start = performance.now();
  private lastWall = this.start;
  private last = { payloadBits: 0, wireBytes: 0 };
  private dim = 0;
  private algorithm: Job['algorithm'] | undefined;
  private health: (() => HealthRecord) | undefined;

  constructor(
    private readonly cfg: ExperimentConfig,
    private readonly devices: readonly string[],
    private readonly accounting: TrafficAccounting,
    private readonly monitor?: LinkMonitor,
  ) {}

  /** The model's size and the job's algorithm (its `runTotals` go into the record's totals). */
  setAlgorithm(dim: number, algorithm?: Job['algorithm']): void {
    this.dim = dim;
    this.algorithm = algorithm;
  }

  /** Where the job's health comes from (the aggregator's). */
  setHealth(health: () => HealthRecord): void {
    this.health = health;
  }

  /** The rounds so far, evaluated and awaiting evaluation, for the aggregator's checkpoint. */
  save(): unknown {
    return { rounds: this.rounds, pending: [...this.pending.values()] };
  }

  /**
   * Takes back the rounds a checkpoint carried (after its ledger: the next round's deltas
   * start from the ledger's totals) and returns those still awaiting their evaluation. The
   * checkpoint is a local file, but a damaged one must not put garbage in the record: entries
   * that are not round records are dropped.
   */
  load(saved: unknown): readonly number[] {
    const s = (typeof saved === 'object' && saved !== null ? saved : {}) as { rounds?: unknown; pending?: unknown };
    const done = Array.isArray(s.rounds) ? s.rounds.filter(isRoundBase) as RoundRecord[] : [];
    const pending = (Array.isArray(s.pending) ? s.pending.filter(isRoundBase) : []).sort((a, b) => a.round - b.round);
    this.rounds.push(...done);
    // The checkpoint's own round (the last) is evaluated again from its model; an earlier one
    // whose evaluation the crash lost stays in the record without figures (loss NaN, null in JSON).
    const last = pending.pop();
    for (const p of pending) this.rounds.push({ ...pickBase(p), loss: NaN, testLoss: null, accuracy: null, objectiveGap: null });
    if (last) this.pending.set(last.round, pickBase(last));
    const t = this.accounting.totals();
    this.last = { payloadBits: t.payloadBits, wireBytes: t.wireBytes };
    return last ? [last.round] : [];
  }

  /** The aggregator finished a round (its traffic is all counted). */
  roundEnded(round: number): void {
    const now = performance.now();
    const t = this.accounting.totals();
    this.pending.set(round, { round, payloadBits: t.payloadBits - this.last.payloadBits, wireBytes: t.wireBytes - this.last.wireBytes, wallMs: now - this.lastWall });
    this.last = { payloadBits: t.payloadBits, wireBytes: t.wireBytes };
    this.lastWall = now;
  }

  /** The round's held-out evaluation. */
  evaluated(round: number, loss: number, accuracy: number | null): void {
    const base = this.pending.get(round);
    if (base === undefined) return;
    this.pending.delete(round);
    this.rounds.push({ ...base, loss, testLoss: loss, accuracy, objectiveGap: null });
  }

  record(): RunRecord {
    const t = this.accounting.totals();
    const last = this.rounds[this.rounds.length - 1];
    const monitor = this.monitor;
    const budgets = jobBudgets(this.cfg, this.devices, this.accounting, monitor ? (l) => monitor.rateViolations(l) : undefined);
    return {
      format: 'edgefl-run/1',
      source: 'gateway',
      config: this.cfg,
      model: { dim: this.dim },
      rounds: [...this.rounds].sort((a, b) => a.round - b.round),
      links: linkRecords(this.accounting.links(), budgets),
      totals: {
        rounds: this.rounds.length, payloadBits: t.payloadBits, wireBytes: t.wireBytes, wallMs: performance.now() - this.start,
        finalLoss: last?.loss ?? NaN, finalAccuracy: last?.accuracy ?? null,
        ...this.algorithm?.runTotals?.([...this.rounds].sort((a, b) => a.round - b.round)),
      },
      ...(this.health ? { health: judgeLosses(this.health(), [...this.rounds].sort((a, b) => a.round - b.round).map((r) => r.loss), this.cfg.health.maxLossRatio) } : {}),
    };
  }
}

type RoundBase = Pick<RoundRecord, 'round' | 'payloadBits' | 'wireBytes' | 'wallMs'>;

function pickBase(p: RoundBase): RoundBase {
  return { round: p.round, payloadBits: p.payloadBits, wireBytes: p.wireBytes, wallMs: p.wallMs };
}

function isRoundBase(x: unknown): x is RoundBase {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return Number.isInteger(r['round']) && typeof r['payloadBits'] === 'number' && typeof r['wireBytes'] === 'number' && typeof r['wallMs'] === 'number';
}
