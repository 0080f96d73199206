/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** 1234567 → "1.23 M"; exact below 10 000 so small counts read as counts. */
export function si(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a < 10_000) return Number.isInteger(n) ? String(n) : n.toPrecision(4);
  for (const [f, u] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= f) return `${(n / f).toPrecision(3)} ${u}`;
  }
  return String(n);
}

/** A ratio to the baseline: "0.250×". */
export function ratio(r: number): string {
  return Number.isFinite(r) ? `${r.toPrecision(3)}×` : '∞';
}
