// Reads a Vega SVG chart back with a real XML parser: axes (title, scale type, tick labels and
// their pixel positions), the plotted points (pixel position and the datum Vega put in their
// aria-label), the line series and the legend.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export interface Axis {
  readonly title: string;
  readonly scale: 'linear' | 'log';
  /** tick label value → pixel position along the axis */
  readonly ticks: readonly { value: number; px: number }[];
}
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly datum: Readonly<Record<string, string>>;
}
export interface Chart {
  readonly x: Axis;
  readonly y: Axis;
  readonly points: readonly Point[];
  readonly lines: readonly Element[];
  readonly legend: readonly string[];
  readonly title: string;
}

const SI: Record<string, number> = { µ: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
export function parseTickLabel(s: string): number {
  const m = /^(−|-)?([\d.]+(?:e[-+]?\d+)?)\s*([µmkMGT]?)$/.exec(s.trim());
  if (!m) return NaN;
  return (m[1] ? -1 : 1) * Number(m[2]) * SI[m[3]!]!;
}

const all = (el: Element | Document, tag: string): Element[] => Array.from(el.getElementsByTagName(tag)) as Element[];
const hasClass = (el: Element, c: string) => (el.getAttribute('class') ?? '').split(/\s+/).includes(c);
function translate(el: Element): [number, number] {
  const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(el.getAttribute('transform') ?? '');
  if (!m) throw new Error(`no translate on <${el.tagName}>`);
  return [Number(m[1]), Number(m[2])];
}

function axis(doc: Document, which: 'X' | 'Y'): Axis {
  const g = all(doc, 'g').find((e) => hasClass(e, 'role-axis') && (e.getAttribute('aria-label') ?? '').startsWith(`${which}-axis`));
  if (!g) throw new Error(`no ${which} axis`);
  const label = g.getAttribute('aria-label')!;
  const title = /titled '([^']*)'/.exec(label)?.[1] ?? '';
  const scale = / for a (\w+) scale/.exec(label)?.[1] === 'log' ? 'log' : 'linear';
  // The axis group is offset by half a pixel from the plot, like the marks' stroke alignment.
  const [ox, oy] = translate(all(g, 'g').find((e) => e.getAttribute('transform'))!);
  // Tick marks sit at the scale's positions (rounded to the pixel); the labels, in the same
  // order, carry the values (their own positions are nudged to stay inside the plot).
  const tickLines = all(g, 'g').filter((e) => hasClass(e, 'role-axis-tick')).flatMap((e) => all(e, 'line'));
  const texts = all(g, 'g').filter((e) => hasClass(e, 'role-axis-label')).flatMap((e) => all(e, 'text'));
  if (tickLines.length !== texts.length) throw new Error(`${which} axis: ${tickLines.length} ticks, ${texts.length} labels`);
  const ticks = texts.map((t, i) => {
    const [tx, ty] = translate(tickLines[i]!);
    return { value: parseTickLabel(t.textContent ?? ''), px: which === 'X' ? tx + ox : ty + oy };
  }).filter((t) => Number.isFinite(t.value));
  return { title, scale, ticks };
}

export function readChart(svg: string): Chart {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  if (doc.documentElement?.tagName !== 'svg') throw new Error('not an SVG document');
  const points = all(doc, 'path').filter((p) => p.getAttribute('aria-roledescription') === 'point').map((p) => {
    const [x, y] = translate(p);
    return { x, y, datum: ariaDatum(p) };
  });
  const lines = all(doc, 'path').filter((p) => p.getAttribute('aria-roledescription') === 'line mark');
  const legend = all(doc, 'g').filter((e) => hasClass(e, 'role-legend-label')).flatMap((e) => all(e, 'text')).map((t) => t.textContent ?? '');
  const title = all(doc, 'g').filter((e) => hasClass(e, 'role-title-text')).flatMap((e) => all(e, 'text')).map((t) => t.textContent ?? '').join(' ');
  return { x: axis(doc, 'X'), y: axis(doc, 'Y'), points, lines, legend, title };
}

/** Fits pixel = a + b·f(value) to the axis ticks (f = log10 on a log axis) and returns the map. */
export function axisMap(a: Axis): (v: number) => number {
  const f = a.scale === 'log' ? Math.log10 : (v: number) => v;
  const xs = a.ticks.map((t) => f(t.value));
  const ys = a.ticks.map((t) => t.px);
  if (xs.length < 2) throw new Error(`axis '${a.title}' has ${xs.length} tick labels`);
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const b = sxy / sxx;
  return (v: number) => my + b * (f(v) - mx);
}

export interface Bar {
  readonly x0: number;
  readonly width: number;
  readonly datum: Readonly<Record<string, string>>;
}

/** The bars of a horizontal bar chart: left edge and width from each rect path (`M x,y h w v h h -w Z`). */
export function readBars(svg: string): Bar[] {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return all(doc, 'path').filter((p) => p.getAttribute('aria-roledescription') === 'bar').map((p) => {
    const m = /^M([-\d.e]+),([-\d.e]+)h([-\d.e]+)v/.exec(p.getAttribute('d') ?? '');
    if (!m) throw new Error(`bar path ${p.getAttribute('d')}`);
    return { x0: Number(m[1]), width: Number(m[3]), datum: ariaDatum(p) };
  });
}

function ariaDatum(p: Element): Record<string, string> {
  return Object.fromEntries((p.getAttribute('aria-label') ?? '').split('; ').map((kv) => {
    const i = kv.indexOf(': ');
    return [kv.slice(0, i), kv.slice(i + 2)];
  }));
}

/** The X axis of any chart (for bar charts, whose Y axis is a band). */
export function readXAxis(svg: string): Axis {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  return axis(doc, 'X');
}
