import type { RunData } from './run-file.js';

/** The per-round quantities a report plots, one row per round of one run. */
export interface ProgressPoint {
  readonly run: string;
  readonly round: number;
  readonly loss: number | null;
  readonly accuracy: number | null;
  readonly objectiveGap: number | null;
  /** payload bits of rounds 1…round */
  readonly cumPayloadBits: number;
  /** wire bytes of rounds 1…round */
  readonly cumWireBytes: number;
}

/** A run's rounds with running totals of payload bits and wire bytes. */
export function progressPoints(run: string, record: RunData): ProgressPoint[] {
  let bits = 0;
  let bytes = 0;
  return record.rounds.map((r) => {
    bits += r.payloadBits;
    bytes += r.wireBytes;
    return { run, round: r.round, loss: r.loss, accuracy: r.accuracy, objectiveGap: r.objectiveGap, cumPayloadBits: bits, cumWireBytes: bytes };
  });
}

/** The metrics a report can plot or target, with their record field and words. */
export const METRICS = {
  loss: { field: 'loss', title: 'loss', better: 'lower' },
  accuracy: { field: 'accuracy', title: 'held-out accuracy', better: 'higher' },
  gap: { field: 'objectiveGap', title: 'objective gap F − F*', better: 'lower' },
} as const satisfies Record<string, { field: keyof ProgressPoint; title: string; better: 'lower' | 'higher' }>;
export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** The value of `metric` at a point, null where the run did not record it. */
export function metricValue(p: ProgressPoint, metric: MetricName): number | null {
  return p[METRICS[metric].field];
}
