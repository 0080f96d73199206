import { stringify } from 'yaml';
import { escapeHtml as esc, ratio, si } from './format.js';
import { describeTarget, type TargetTable } from './target.js';

export interface RunSummary {
  readonly label: string;
  readonly path: string;
  readonly rounds: number;
  readonly dim: number;
  readonly finalLoss: number | null;
  readonly finalAccuracy: number | null;
  readonly finalGap: number | null;
  readonly payloadBits: number;
  readonly wireBytes: number;
  readonly config: unknown;
}

export interface RenderedChart {
  readonly id: string;
  readonly title: string;
  readonly note: string | null;
  readonly svg: string;
}

export interface HtmlInput {
  readonly title: string;
  readonly runs: readonly RunSummary[];
  readonly tables: readonly TargetTable[];
  readonly charts: readonly RenderedChart[];
}

// Nothing loads from the network or runs: the page is static markup with inline SVG.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1080px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child,#runs td:nth-child(2),#runs th:nth-child(2){text-align:left}th{background:#f6f6f6}
td.never{color:#a33}.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:.85rem;color:#555}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
details{margin:.3rem 0}summary{cursor:pointer}code{background:#f3f3f3;padding:0 .2rem}
`;

const num = (v: number | null, digits = 4): string => (v === null ? '—' : v.toPrecision(digits));

function runsTable(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => `<tr><td>${esc(r.label)}</td><td><code>${esc(r.path)}</code></td><td>${r.rounds}</td><td>${r.dim}</td>` +
    `<td>${num(r.finalLoss)}</td><td>${r.finalAccuracy === null ? '—' : `${(100 * r.finalAccuracy).toFixed(2)} %`}</td>` +
    `<td>${r.finalGap === null ? '—' : r.finalGap.toExponential(2)}</td><td>${si(r.payloadBits)}</td><td>${si(r.wireBytes)}</td></tr>`);
  return `<table id="runs"><thead><tr><th>run</th><th>file</th><th>rounds</th><th>parameters</th><th>final loss</th><th>final accuracy</th>` +
    `<th>final gap</th><th>payload bits</th><th>wire bytes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function targetTable(t: TargetTable): string {
  const rows = t.rows.map((r) => {
    const name = `<td>${esc(r.run)}${r.isBaseline ? ' <em>(baseline)</em>' : ''}</td>`;
    if (!r.hit) {
      const why = r.status === 'never' ? 'never reached' : 'not recorded';
      return `<tr data-status="${r.status}">${name}<td class="never" colspan="6">${why}</td></tr>`;
    }
    const rt = r.ratio;
    return `<tr data-status="reached">${name}<td>${r.hit.round}</td><td>${si(r.hit.cumPayloadBits)}</td><td>${si(r.hit.cumWireBytes)}</td>` +
      `<td>${rt ? ratio(rt.rounds) : '—'}</td><td>${rt ? ratio(rt.payloadBits) : '—'}</td><td>${rt ? ratio(rt.wireBytes) : '—'}</td></tr>`;
  });
  return `<table class="to-target" data-metric="${t.target.metric}" data-value="${t.target.value}"><caption>${esc(describeTarget(t.target))}; baseline ${esc(t.baseline)}</caption>` +
    `<thead><tr><th>run</th><th>rounds</th><th>payload bits</th><th>wire bytes</th><th>rounds ÷ baseline</th><th>bits ÷ baseline</th><th>bytes ÷ baseline</th></tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`;
}

function chart(c: RenderedChart): string {
  // The chart carries its own title; a caption only for what the chart cannot say.
  return `<figure id="chart-${c.id}" aria-label="${esc(c.title)}">${c.svg}${c.note ? `<figcaption>${esc(c.note)}</figcaption>` : ''}</figure>`;
}

/** One self-contained page: run summary, to-target tables, inline SVG charts, folded configs. */
export function reportHtml(input: HtmlInput): string {
  const sections: string[] = [];
  sections.push(`<h2>Runs</h2>${runsTable(input.runs)}`);
  sections.push(input.tables.length
    ? `<h2>To target</h2><p>The first round at which each run reaches the target, the payload bits and wire bytes spent up to and including it, and each against the baseline run.</p>${input.tables.map(targetTable).join('')}`
    : '<h2>To target</h2><p>No target given: pass <code>--target accuracy=0.8</code> (or <code>loss=…</code>, <code>gap=…</code>) for a to-target table.</p>');
  const groups: [string, (id: string) => boolean][] = [
    ['Loss', (id) => id.startsWith('loss-')],
    ['Held-out accuracy', (id) => id.startsWith('accuracy-')],
    ['Objective gap', (id) => id.startsWith('gap-')],
    ['Wire bytes per link', (id) => id === 'wire-bytes-per-link'],
  ];
  for (const [heading, pick] of groups) {
    const cs = input.charts.filter((c) => pick(c.id));
    if (cs.length) sections.push(`<h2>${heading}</h2><div class="charts">${cs.map(chart).join('')}</div>`);
  }
  sections.push(`<h2>Configuration</h2>${input.runs.map((r) =>
    `<details><summary>${esc(r.label)} — <code>${esc(r.path)}</code></summary><pre>${esc(stringify(r.config ?? null))}</pre></details>`).join('')}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(input.title)}</title><style>${STYLE}</style></head>
<body><h1>${esc(input.title)}</h1>
${sections.join('\n')}
</body></html>
`;
}
