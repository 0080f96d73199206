import { GATEWAY } from '@edgefl/transport';
import type { RunRecord } from '@edgefl/runtime';

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;
const kbit = (bits: number): string => `${(bits / 1000).toFixed(1)} kbit`;

/** What a person wants after a run: accuracy, what each device sent and received, and the saving. */
export function formatSummary(rec: RunRecord): string {
  const t = rec.totals;
  const lines: string[] = [];
  lines.push('');
  // sim's record holds the global model's loss on the whole training set; the gateway holds
  // no training data, so its record's loss is the held-out one (apps/gateway/src/run-record.ts).
  const loss = rec.source === 'gateway' ? 'held-out loss' : 'training loss';
  lines.push(`final ${loss} ${t.finalLoss.toFixed(4)}` + (t.finalAccuracy === null ? '' : `, held-out accuracy ${(100 * t.finalAccuracy).toFixed(2)}%`) +
    ` after ${t.rounds} rounds in ${(t.wallMs / 1000).toFixed(1)} s`);
  const devices = [...new Set(rec.links.map((l) => (l.from === GATEWAY ? l.to : l.from)))].sort();
  const up = new Map(rec.links.filter((l) => l.to === GATEWAY).map((l) => [l.from, l]));
  const down = new Map(rec.links.filter((l) => l.from === GATEWAY).map((l) => [l.to, l]));
  lines.push('');
  const rows = [['device', 'up payload', 'up wire', 'down payload', 'down wire']];
  for (const d of devices) {
    const u = up.get(d);
    const w = down.get(d);
    rows.push([d, kbit(u?.payloadBits ?? 0), kB(u?.wireBytes ?? 0), kbit(w?.payloadBits ?? 0), kB(w?.wireBytes ?? 0)]);
  }
  lines.push(...table(rows));
  const upBits = [...up.values()].reduce((s, l) => s + l.payloadBits, 0);
  const upMsgs = [...up.values()].reduce((s, l) => s + l.messages, 0);
  if (upMsgs > 0 && upBits > 0) {
    const f32 = upMsgs * rec.model.dim * 32;
    lines.push('');
    lines.push(`uplink payload ${kbit(upBits)} vs ${kbit(f32)} as float32 updates: ${(f32 / upBits).toFixed(1)}× smaller`);
  }
  lines.push(`total payload ${kbit(t.payloadBits)}, total on the wire ${kB(t.wireBytes)}`);
  const budgeted = rec.links.filter((l) => l.budgetBitsPerSec !== null || l.budgetBitsPerRound !== null);
  if (budgeted.length > 0) {
    const over = budgeted.filter((l) => l.overBudget > 0);
    lines.push(`rate budgets on ${budgeted.length} links: ` + (over.length === 0
      ? 'all met'
      : `${over.length} over budget (${over.map((l) => `${l.from}→${l.to} ×${l.overBudget}`).join(', ')})`));
  }
  return lines.join('\n') + '\n';
}

/** Columns as wide as their widest cell (device ids may be up to 64 characters): names left, numbers right. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd());
}
