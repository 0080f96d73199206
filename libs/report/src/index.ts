export { ReportError, type ReportErrorCode } from './errors.js';
export { readRunFile, parseRunFile, type RunFile, type RunData, type RoundRow, type LinkRow } from './run-file.js';
export { describeCodec, describeRun, runLabels } from './labels.js';
export { progressPoints, METRICS, METRIC_NAMES, type ProgressPoint, type MetricName } from './series.js';
export { parseTarget, describeTarget, firstHit, toTargetTable, type Target, type TargetHit, type TargetRow, type TargetTable } from './target.js';
export { CHART_IDS, metricChart, linkBytesChart, reportCharts, spansDecades, type ChartSpec, type ChartRun, type XAxis } from './charts.js';
export { renderSvg, renderPng } from './render.js';
export { reportHtml, type HtmlInput, type RenderedChart, type RunSummary } from './html.js';
export { buildReport, writeReport, baselineIndex, type Report, type ReportOptions, type WriteOptions } from './report.js';
