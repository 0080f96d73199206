import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { reportCharts, type ChartRun } from './charts.js';
import { ReportError } from './errors.js';
import { reportHtml, type RenderedChart, type RunSummary } from './html.js';
import { runLabels } from './labels.js';
import { renderPng, renderSvg } from './render.js';
import { readRunFile, type RunFile } from './run-file.js';
import { progressPoints } from './series.js';
import { parseTarget, toTargetTable, type TargetTable } from './target.js';

export interface ReportOptions {
  /** `edgefl-run/1` files, in series order */
  readonly files: readonly string[];
  /** one series label per file (else algorithm + codec from each record) */
  readonly labels?: readonly string[];
  /** `accuracy=0.8`, `loss=0.3`, `gap=1e-5`: one to-target table each */
  readonly targets?: readonly string[];
  /** the run the ratios are against: its label, file name (without .json) or path; default the first */
  readonly baseline?: string;
  readonly title?: string;
}

export interface Report {
  readonly html: string;
  readonly runs: readonly RunSummary[];
  readonly tables: readonly TargetTable[];
  readonly charts: readonly RenderedChart[];
}

/** Picks the baseline run by label, file name or path. */
export function baselineIndex(files: readonly RunFile[], labels: readonly string[], name: string | undefined): number {
  if (name === undefined) return 0;
  const i = files.findIndex((f, k) => labels[k] === name || f.name === name || f.path === name);
  if (i < 0) {
    const known = files.map((f, k) => `"${labels[k]}" (${f.name})`).join(', ');
    throw new ReportError('REPORT_BASELINE', `--baseline "${name}" names no run; the runs are ${known}`,
      'pass a run\'s label or its file name without .json');
  }
  return i;
}

/** Reads the records, computes the to-target tables and renders every chart to SVG. */
export async function buildReport(opts: ReportOptions): Promise<Report> {
  if (opts.files.length === 0) throw new ReportError('REPORT_NO_RUNS', 'no run records given', 'pass one or more edgefl-run/1 files');
  const targets = (opts.targets ?? []).map(parseTarget);
  const files = opts.files.map(readRunFile);
  const labels = runLabels(files, opts.labels ?? []);
  const base = baselineIndex(files, labels, opts.baseline);
  const runs: ChartRun[] = files.map((f, i) => ({ label: labels[i]!, points: progressPoints(labels[i]!, f.record), links: f.record.links }));
  const tables = targets.map((t) => toTargetTable(runs, t, base));
  const charts: RenderedChart[] = [];
  for (const c of reportCharts(runs)) charts.push({ id: c.id, title: c.title, note: c.note, svg: await renderSvg(c.spec) });
  const summaries: RunSummary[] = files.map((f, i) => {
    const last = runs[i]!.points[runs[i]!.points.length - 1]!;
    return {
      label: labels[i]!, path: f.path, rounds: f.record.rounds.length, dim: f.record.model.dim,
      finalLoss: last.loss, finalAccuracy: last.accuracy, finalGap: last.objectiveGap,
      payloadBits: last.cumPayloadBits, wireBytes: last.cumWireBytes, config: f.record.config,
    };
  });
  const title = opts.title ?? `edgefl report: ${summaries.length} run${summaries.length === 1 ? '' : 's'}`;
  return { html: reportHtml({ title, runs: summaries, tables, charts }), runs: summaries, tables, charts };
}

export interface WriteOptions extends ReportOptions {
  /** the HTML file */
  readonly out: string;
  /** also write each chart as `<id>.svg` and `<id>.png` here */
  readonly svgDir?: string;
}

/** Builds the report and writes the HTML (and the standalone charts); returns the files written. */
export async function writeReport(opts: WriteOptions): Promise<{ report: Report; written: string[] }> {
  const report = await buildReport(opts);
  const written: string[] = [];
  const write = (path: string, data: string | Buffer): void => {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
    } catch (e) {
      throw new ReportError('REPORT_WRITE', `cannot write ${path}: ${(e as Error).message}`, 'choose a writable file for --out and a writable directory for --svg', { cause: e });
    }
    written.push(path);
  };
  write(opts.out, report.html);
  if (opts.svgDir) {
    for (const c of report.charts) {
      write(join(opts.svgDir, `${c.id}.svg`), c.svg + '\n');
      write(join(opts.svgDir, `${c.id}.png`), await renderPng(c.svg));
    }
  }
  return { report, written };
}
