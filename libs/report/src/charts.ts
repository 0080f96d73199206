import type { TopLevelSpec } from 'vega-lite';
import type { LinkRow } from './run-file.js';
import { METRICS, metricValue, type MetricName, type ProgressPoint } from './series.js';

/** One chart of a report: a file-safe id (`loss-vs-bits`), a caption and its Vega-Lite spec. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** said under the chart, e.g. points left off a log axis */
  readonly note: string | null;
  readonly spec: TopLevelSpec;
}

export interface ChartRun {
  readonly label: string;
  readonly points: readonly ProgressPoint[];
  readonly links: readonly LinkRow[];
}

export type XAxis = 'rounds' | 'bits';
const X = {
  rounds: { field: 'round', title: 'round' },
  bits: { field: 'cumPayloadBits', title: 'cumulative payload bits' },
} as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 460;
const HEIGHT = 280;

/** Log scale when every value is positive and they span at least two decades (max/min ≥ 100). */
export function spansDecades(values: readonly number[]): boolean {
  if (values.length < 2) return false;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min > 0 && max / min >= 100;
}

/** Log scale where the recorded values span decades; a gap is log-scaled whenever it can be (it converges geometrically). */
function wantsLog(metric: MetricName | 'bits', values: readonly number[]): boolean {
  if (metric === 'accuracy') return false; // a fraction near 1: its interest is linear
  const positive = values.filter((v) => v > 0);
  if (metric === 'gap') return positive.length >= 2 && Math.max(...positive) / Math.min(...positive) >= 10;
  return spansDecades(positive.length === values.length ? values : []);
}

const color = (labels: readonly string[]) => ({
  field: 'run', type: 'nominal', title: 'run', sort: [...labels],
  legend: { orient: 'bottom', direction: 'vertical', labelLimit: 0, titleFontSize: 11, labelFontSize: 11 },
}) as const;

/** `metric` against rounds or cumulative payload bits: one line (with a point per round) per run. */
export function metricChart(runs: readonly ChartRun[], metric: MetricName, x: XAxis): ChartSpec | null {
  const all = runs.flatMap((r) => r.points.filter((p) => metricValue(p, metric) !== null));
  if (all.length === 0) return null;
  const yValues = all.map((p) => metricValue(p, metric)!);
  const yLog = wantsLog(metric, yValues);
  const xLog = x === 'bits' && wantsLog('bits', all.map((p) => p.cumPayloadBits));
  const shown = all.filter((p) => (!yLog || metricValue(p, metric)! > 0) && (!xLog || p.cumPayloadBits > 0));
  const dropped = all.length - shown.length;
  const m = METRICS[metric];
  const title = `${m.title} vs ${x === 'rounds' ? 'rounds' : 'cumulative payload bits'}`;
  const values = shown.map((p) => ({ run: p.run, round: p.round, cumPayloadBits: p.cumPayloadBits, [m.field]: metricValue(p, metric) }));
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, point: { filled: true, size: 20 } },
    encoding: {
      x: {
        field: X[x].field, type: 'quantitative', title: X[x].title,
        scale: xLog ? { type: 'log', nice: false, padding: 8 } : { type: 'linear', zero: false },
        axis: x === 'rounds' ? { tickMinStep: 1, format: 'd' } : { format: '~s' },
      },
      y: {
        field: m.field, type: 'quantitative', title: m.title,
        scale: yLog ? { type: 'log' } : { type: 'linear', zero: false },
        ...(yLog ? { axis: { format: '~g' } } : {}),
      },
      color: color(runs.map((r) => r.label)),
      order: { field: 'round', type: 'quantitative' },
    },
  };
  const note = dropped > 0 ? `${dropped} point(s) ≤ 0 are left off the log axis` : null;
  return { id: `${metric}-vs-${x}`, title, note, spec };
}

/** Wire bytes per link (each device's up- and downlink, each peer link), one bar per run. */
export function linkBytesChart(runs: readonly ChartRun[]): ChartSpec | null {
  const values = runs.flatMap((r) => r.links.map((l) => ({ run: r.label, link: `${l.from} → ${l.to}`, wireBytes: l.wireBytes, payloadBits: l.payloadBits })));
  if (values.length === 0) return null;
  const title = 'wire bytes per link';
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: { step: Math.max(4, Math.min(14, Math.floor(24 / runs.length))) },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'link', type: 'nominal', title: 'link', sort: null },
      yOffset: { field: 'run', type: 'nominal', sort: runs.map((r) => r.label) },
      x: { field: 'wireBytes', type: 'quantitative', title: 'wire bytes', axis: { format: '~s' } },
      color: color(runs.map((r) => r.label)),
    },
  };
  return { id: 'wire-bytes-per-link', title, note: null, spec };
}

/** Every chart id a report can draw (the file names `--svg` writes), in page order. */
export const CHART_IDS = [
  'loss-vs-rounds', 'loss-vs-bits', 'accuracy-vs-rounds', 'accuracy-vs-bits', 'gap-vs-rounds', 'gap-vs-bits', 'wire-bytes-per-link',
] as const;

/** Every chart of a report, in page order; metrics no run records are left out. */
export function reportCharts(runs: readonly ChartRun[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const metric of ['loss', 'accuracy', 'gap'] as const) {
    for (const x of ['rounds', 'bits'] as const) {
      const c = metricChart(runs, metric, x);
      if (c) out.push(c);
    }
  }
  const links = linkBytesChart(runs);
  if (links) out.push(links);
  return out;
}
