import type { DeviceView, LinksSnapshot } from '@edgefl/gateway';

/** A column of `edgefl top`: its header, key to sort by, value and text. */
interface Column {
  readonly key: string;
  readonly header: string;
  readonly right: boolean;
  value(d: DeviceView, s: LinksSnapshot): number | string;
  text(d: DeviceView, s: LinksSnapshot): string;
}

export const SORT_KEYS = {
  d: 'device', s: 'status', l: 'lastSeen', u: 'upRate', w: 'downRate', t: 'upBytes', o: 'downBytes', b: 'use', v: 'over',
} as const;
export type SortKey = (typeof SORT_KEYS)[keyof typeof SORT_KEYS];

const use = (d: DeviceView): number | null => (d.up.budgetUse === null && d.down.budgetUse === null ? null : Math.max(d.up.budgetUse ?? 0, d.down.budgetUse ?? 0));

const COLUMNS: readonly Column[] = [
  { key: 'device', header: 'DEVICE', right: false, value: (d) => d.device, text: (d) => d.device },
  { key: 'status', header: 'STATUS', right: false, value: (d) => d.status, text: (d) => d.status },
  { key: 'lastSeen', header: 'SEEN', right: true, value: (d) => d.lastSeen ?? 0, text: (d, s) => ago(d.lastSeen, s.time) },
  { key: 'upRate', header: 'UP/s', right: true, value: (d) => d.up.rateBitsPerSec, text: (d) => rate(d.up.rateBitsPerSec) },
  { key: 'downRate', header: 'DOWN/s', right: true, value: (d) => d.down.rateBitsPerSec, text: (d) => rate(d.down.rateBitsPerSec) },
  { key: 'upBytes', header: 'UP', right: true, value: (d) => d.up.wireBytes, text: (d) => bytes(d.up.wireBytes) },
  { key: 'downBytes', header: 'DOWN', right: true, value: (d) => d.down.wireBytes, text: (d) => bytes(d.down.wireBytes) },
  { key: 'use', header: 'BUDGET', right: true, value: (d) => use(d) ?? -1, text: (d) => { const u = use(d); return u === null ? '-' : `${(100 * u).toFixed(0)}%`; } },
  { key: 'over', header: 'OVER', right: true, value: (d) => d.up.overBudget + d.down.overBudget, text: (d) => String(d.up.overBudget + d.down.overBudget) },
];

export function rate(bps: number): string {
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)}M`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1)}k`;
  return `${bps.toFixed(0)}`;
}

export function bytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}kB`;
  return `${n}B`;
}

function ago(t: number | null, now: number): string {
  if (t === null) return 'never';
  const s = Math.max(0, (now - t) / 1000);
  return s < 1 ? 'now' : s < 120 ? `${s.toFixed(0)}s` : `${(s / 60).toFixed(0)}m`;
}

/** Rows sorted by `key` (`desc` for largest first; ties by device id). */
export function sortDevices(s: LinksSnapshot, key: SortKey, desc: boolean): DeviceView[] {
  const col = COLUMNS.find((c) => c.key === key) ?? COLUMNS[0]!;
  return [...s.devices].sort((a, b) => {
    const x = col.value(a, s);
    const y = col.value(b, s);
    if (x === y) return a.device < b.device ? -1 : 1;
    return (x < y ? -1 : 1) * (desc ? -1 : 1);
  });
}

/**
 * The screen as lines of plain text: a header (job, round, accuracy, fleet rates) and one
 * row per device. Rates are bits per second, totals MQTT bytes at the gateway's sockets.
 */
export function renderTop(s: LinksSnapshot, key: SortKey, desc: boolean, width = Infinity): string[] {
  const online = s.devices.filter((d) => d.online).length;
  const lines = [
    `edgefl top — job ${s.job}  round ${s.round}/${s.rounds}${s.state === 'done' ? ' (done)' : ''}  accuracy ${s.accuracy === null ? '-' : `${(100 * s.accuracy).toFixed(2)}%`}  online ${online}/${s.devices.length}`,
    `fleet up ${rate(s.totals.upRateBitsPerSec)}bit/s  down ${rate(s.totals.downRateBitsPerSec)}bit/s  totals up ${bytes(s.totals.upBytes)} down ${bytes(s.totals.downBytes)}  (rates over ${s.windowSec} s; sorted by ${key}${desc ? ' ▼' : ' ▲'})`,
    '',
  ];
  const rows = sortDevices(s, key, desc).map((d) => COLUMNS.map((c) => c.text(d, s)));
  const header = COLUMNS.map((c) => (c.key === key ? `${c.header}${desc ? '▼' : '▲'}` : c.header));
  const widths = COLUMNS.map((_, i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (COLUMNS[i]!.right ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  lines.push(fmt(header));
  for (const r of rows) lines.push(fmt(r));
  if (s.peers.length > 0) {
    lines.push('', 'PEER LINKS');
    for (const p of s.peers) lines.push(`${p.from} → ${p.to}  ${rate(p.rateBitsPerSec)}bit/s  ${bytes(p.wireBytes)}  over ${p.overBudget}`);
  }
  return lines.map((l) => (l.length > width ? l.slice(0, width) : l));
}
