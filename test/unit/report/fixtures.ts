import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureRound {
  loss: number | null;
  accuracy?: number | null;
  objectiveGap?: number | null;
  payloadBits: number;
  wireBytes: number;
}

/** An edgefl-run/1 record with the given rounds, two devices' links and a FedAvg/uniform config. */
export function runRecord(rounds: FixtureRound[], opts: { alg?: string; bits?: number; links?: { from: string; to: string; payloadBits: number; wireBytes: number }[] } = {}) {
  const links = opts.links ?? [
    { from: 'dev-01', to: 'gateway', payloadBits: 1000, wireBytes: 200 },
    { from: 'gateway', to: 'dev-01', payloadBits: 4000, wireBytes: 600 },
    { from: 'dev-02', to: 'gateway', payloadBits: 1000, wireBytes: 210 },
    { from: 'gateway', to: 'dev-02', payloadBits: 4000, wireBytes: 610 },
  ];
  return {
    format: 'edgefl-run/1',
    config: {
      job: 'fixture', rounds: rounds.length,
      algorithm: { name: opts.alg ?? 'fedavg', lr: 0.1 },
      codec: { up: { id: 'uniform', bits: opts.bits ?? 8 }, down: { id: 'float32' } },
    },
    model: { dim: 100 },
    rounds: rounds.map((r, i) => ({
      round: i + 1, loss: r.loss, accuracy: r.accuracy ?? null, objectiveGap: r.objectiveGap ?? null,
      payloadBits: r.payloadBits, wireBytes: r.wireBytes, wallMs: 1,
    })),
    links: links.map((l) => ({ ...l, messages: rounds.length, budgetBitsPerSec: null, budgetBitsPerRound: null, overBudget: 0 })),
    totals: { rounds: rounds.length, payloadBits: 0, wireBytes: 0, wallMs: 0, finalLoss: 0, finalAccuracy: null },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'edgefl-report-'));
let n = 0;
/** Writes `content` (an object as JSON, or raw text) to a fresh file and returns its path. */
export function writeRun(content: unknown, name = `run${n++}.json`): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}
export const tmp = dir;
