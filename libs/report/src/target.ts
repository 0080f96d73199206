import { ReportError } from './errors.js';
import { METRICS, METRIC_NAMES, metricValue, type MetricName, type ProgressPoint } from './series.js';

/** `accuracy=0.8`: reached when accuracy ≥ 0.8; `loss=…`, `gap=…`: reached when ≤ the value. */
export interface Target {
  readonly metric: MetricName;
  readonly value: number;
}

const ALIASES: Record<string, MetricName> = { accuracy: 'accuracy', acc: 'accuracy', loss: 'loss', gap: 'gap', objectivegap: 'gap' };
const TARGET_HINT = 'write --target accuracy=0.8 (reached at ≥), loss=0.3 or gap=1e-5 (reached at ≤)';

export function parseTarget(text: string): Target {
  const m = /^\s*([A-Za-z]+)\s*=\s*(\S+)\s*$/.exec(text);
  if (!m) throw new ReportError('REPORT_TARGET', `--target ${JSON.stringify(text)} is not metric=value`, TARGET_HINT);
  const metric = ALIASES[m[1]!.toLowerCase()];
  if (!metric) throw new ReportError('REPORT_TARGET', `--target: unknown metric "${m[1]}" (known: ${METRIC_NAMES.join(', ')})`, TARGET_HINT);
  const value = Number(m[2]);
  if (!Number.isFinite(value)) throw new ReportError('REPORT_TARGET', `--target ${text}: "${m[2]}" is not a number`, TARGET_HINT);
  if (metric === 'accuracy' && (value <= 0 || value > 1)) {
    throw new ReportError('REPORT_TARGET', `--target ${text}: accuracy is a fraction in (0, 1]`, 'write accuracy=0.8 for 80 %');
  }
  if (metric === 'gap' && value <= 0) throw new ReportError('REPORT_TARGET', `--target ${text}: a gap target must be > 0`, TARGET_HINT);
  return { metric, value };
}

export function describeTarget(t: Target): string {
  return `${METRICS[t.metric].title} ${METRICS[t.metric].better === 'higher' ? '≥' : '≤'} ${t.value}`;
}

function reached(t: Target, v: number): boolean {
  return METRICS[t.metric].better === 'higher' ? v >= t.value : v <= t.value;
}

/** Where one run first reached the target: the round and the totals spent by then. */
export interface TargetHit {
  readonly round: number;
  readonly cumPayloadBits: number;
  readonly cumWireBytes: number;
}

export interface TargetRow {
  readonly run: string;
  /** 'reached', 'never' (recorded but never reached) or 'unrecorded' (the run has no such field) */
  readonly status: 'reached' | 'never' | 'unrecorded';
  readonly hit: TargetHit | null;
  readonly isBaseline: boolean;
  /** this run's value ÷ the baseline's; null when either did not reach the target */
  readonly ratio: { readonly rounds: number; readonly payloadBits: number; readonly wireBytes: number } | null;
}

export interface TargetTable {
  readonly target: Target;
  readonly baseline: string;
  readonly rows: readonly TargetRow[];
}

/** The first point of one run that reaches the target (rounds in record order). */
export function firstHit(points: readonly ProgressPoint[], target: Target): { status: TargetRow['status']; hit: TargetHit | null } {
  let recorded = false;
  for (const p of points) {
    const v = metricValue(p, target.metric);
    if (v === null) continue;
    recorded = true;
    if (reached(target, v)) return { status: 'reached', hit: { round: p.round, cumPayloadBits: p.cumPayloadBits, cumWireBytes: p.cumWireBytes } };
  }
  return { status: recorded ? 'never' : 'unrecorded', hit: null };
}

/**
 * Rounds, cumulative payload bits and wire bytes at which each run first reaches the target,
 * and each run's ratio to the baseline run. A target no run records is an error.
 */
export function toTargetTable(runs: readonly { label: string; points: readonly ProgressPoint[] }[], target: Target, baseline: number): TargetTable {
  const hits = runs.map((r) => firstHit(r.points, target));
  if (hits.every((h) => h.status === 'unrecorded')) {
    throw new ReportError('REPORT_TARGET', `--target ${target.metric}=${target.value}: no run records ${METRICS[target.metric].field}`,
      target.metric === 'gap' ? 'an objective gap is recorded only where F* is known (convex experiments); target loss or accuracy instead'
        : 'target a metric the runs record (regression runs have no accuracy: target loss)');
  }
  const base = hits[baseline]?.hit ?? null;
  const rows = runs.map((r, i): TargetRow => {
    const h = hits[i]!;
    const ratio = h.hit && base
      ? { rounds: safeRatio(h.hit.round, base.round), payloadBits: safeRatio(h.hit.cumPayloadBits, base.cumPayloadBits), wireBytes: safeRatio(h.hit.cumWireBytes, base.cumWireBytes) }
      : null;
    return { run: r.label, status: h.status, hit: h.hit, isBaseline: i === baseline, ratio };
  });
  return { target, baseline: runs[baseline]!.label, rows };
}

function safeRatio(a: number, b: number): number {
  return b === 0 ? (a === 0 ? 1 : Infinity) : a / b;
}
