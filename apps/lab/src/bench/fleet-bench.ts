/**
 * `edgefl bench fleet`: what a fleet run costs over MQTT against the same run in memory,
 * measured in the same invocation with the same seed (so both drivers compute the same
 * model, which each row checks). Each case is a `FleetBenchCase`; new measurements of a
 * fleet (other algorithms, topologies, sizes) are added to `FLEET_BENCH_CASES`.
 */
import { parseExperimentConfig, type ExperimentConfig } from '@edgefl/config';
import { EdgeflError, nullLog, type BenchRow, type Log } from '@edgefl/core';
import type { RunRecord } from '@edgefl/runtime';
import { availableParallelism } from 'node:os';
import { runExperiment } from '../experiment.js';

export interface FleetBenchContext {
  /** the experiment every case starts from (e.g. configs/quickstart.yaml) */
  readonly base: ExperimentConfig;
  /** fewer rounds and repetitions (noisier) */
  readonly quick: boolean;
  readonly log: Log;
}

export interface FleetBenchCase {
  /** short id, e.g. `quickstart`; `edgefl bench fleet --cases id,…` picks cases */
  readonly id: string;
  readonly description: string;
  /** rows, each with its own same-run reference in `referenceValue` */
  run(ctx: FleetBenchContext): Promise<BenchRow[]>;
}

/** Issue targets: quickstart median round over MQTT ≤ 2 × memory; 1,000 agents, whole run ≤ 1.5 × memory. */
export const FLEET_BENCH_TARGETS = { quickstartRound: 2, thousandAgentsRun: 1.5 } as const;

/** A copy of `base` with `changes` applied, validated like a config file. */
export function variant(base: ExperimentConfig, changes: (cfg: ExperimentConfig) => Partial<ExperimentConfig>): ExperimentConfig {
  return parseExperimentConfig({ ...base, ...changes(base) }, 'fleet benchmark variant');
}

export interface TimedRun {
  readonly record: RunRecord;
  /** the whole runExperiment call: data, trainers, connections, rounds, teardown */
  readonly wholeMs: number;
  /** CPU time of the whole process over the same call (every thread, user + system) */
  readonly cpuMs: number;
}

export async function timedRun(cfg: ExperimentConfig, transport: 'memory' | 'mqtt', log: Log): Promise<TimedRun> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const record = await runExperiment({ ...cfg, transport: { ...cfg.transport, kind: transport } }, { log });
  const c = process.cpuUsage(c0);
  return { record, wholeMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const medianRound = (r: RunRecord): number => median(r.rounds.map((x) => x.wallMs));
const sameResult = (a: RunRecord, b: RunRecord): boolean =>
  a.rounds.length === b.rounds.length && a.rounds.every((r, i) => r.loss === b.rounds[i]!.loss && r.accuracy === b.rounds[i]!.accuracy);

/**
 * Runs memory and MQTT in pairs, alternating which goes first (memory, mqtt; mqtt, memory; …)
 * so both runs of a pair meet the same machine load, and returns every pair. On a shared
 * machine the load moves between pairs far more than within one, so a ratio is taken per
 * pair and the median of those is reported. `warmUp` runs one pair first that is not counted.
 */
async function pairs(cfg: ExperimentConfig, reps: number, log: Log, warmUp = false): Promise<{ memory: TimedRun; mqtt: TimedRun }[]> {
  const out: { memory: TimedRun; mqtt: TimedRun }[] = [];
  // An uncounted first pair: both drivers then run on code V8 has compiled, the memory
  // driver's on this thread and the agents' in the agent threads the pair left warm. It
  // must compute the same model as the counted pairs (checked below).
  const uncounted = warmUp ? { memory: await timedRun(cfg, 'memory', log), mqtt: await timedRun(cfg, 'mqtt', log) } : null;
  for (let i = 0; i < reps; i++) {
    const order = i % 2 === 0 ? (['memory', 'mqtt'] as const) : (['mqtt', 'memory'] as const);
    const runs: Partial<Record<'memory' | 'mqtt', TimedRun>> = {};
    for (const kind of order) runs[kind] = await timedRun(cfg, kind, log);
    out.push({ memory: runs.memory!, mqtt: runs.mqtt! });
  }
  if (uncounted !== null && !(sameResult(uncounted.memory.record, out[0]!.memory.record) && sameResult(uncounted.mqtt.record, out[0]!.mqtt.record))) {
    throw new Error('the uncounted first pair computed another model than the counted ones: a run depends on what ran before it in the process');
  }
  return out;
}

/** Rows hold scalars: per-pair ratios as one space-separated string, in pair order. */
const listed = (xs: readonly number[]): string => xs.map((x) => x.toFixed(3)).join(' ');

export const quickstartCase: FleetBenchCase = {
  id: 'quickstart',
  description: 'the experiment as given: median round wall time over MQTT ÷ in memory, median over 3 pairs',
  async run(ctx) {
    const runs = await pairs(ctx.base, ctx.quick ? 1 : 3, ctx.log);
    const ratios = runs.map((p) => medianRound(p.mqtt.record) / medianRound(p.memory.record));
    const ratio = median(ratios);
    const ref = median(runs.map((p) => medianRound(p.memory.record)));
    const value = median(runs.map((p) => medianRound(p.mqtt.record)));
    return [{
      name: `fleet ${ctx.base.job} median round, mqtt ÷ memory`, value, unit: 'ms', ratioToReference: ratio, pairRatios: listed(ratios), pairs: runs.length,
      referenceName: `fleet ${ctx.base.job} median round, memory`, referenceValue: ref, lowerIsBetter: true,
      devices: ctx.base.fleet.devices, rounds: ctx.base.rounds, sameModel: runs.every((p) => sameResult(p.memory.record, p.mqtt.record)),
      finalAccuracy: runs[0]!.mqtt.record.totals.finalAccuracy, target: FLEET_BENCH_TARGETS.quickstartRound, met: ratio <= FLEET_BENCH_TARGETS.quickstartRound,
    }];
  },
};

export const thousandAgentsCase: FleetBenchCase = {
  id: 'agents-1000',
  description: 'the experiment with 1,000 devices: whole run (start, rounds, teardown) over MQTT ÷ in memory, median over 3 pairs after an uncounted one',
  async run(ctx) {
    const cfg = variant(ctx.base, (b) => ({ fleet: { ...b.fleet, devices: 1000 }, rounds: ctx.quick ? 2 : 5 }));
    // A pair takes 15–20 s at this size; one pair's ratio moved by ±0.2 with the machine's load.
    const runs = await pairs(cfg, ctx.quick ? 1 : 3, ctx.log, !ctx.quick);
    const ratios = runs.map((p) => p.mqtt.wholeMs / p.memory.wholeMs);
    const ratio = median(ratios);
    const mid = (f: (p: { memory: TimedRun; mqtt: TimedRun }) => number): number => median(runs.map(f));
    return [{
      name: `fleet ${cfg.job} 1000 agents whole run, mqtt ÷ memory`, value: mid((p) => p.mqtt.wholeMs), unit: 'ms', ratioToReference: ratio, pairRatios: listed(ratios), pairs: runs.length,
      referenceName: `fleet ${cfg.job} 1000 agents whole run, memory`, referenceValue: mid((p) => p.memory.wholeMs), lowerIsBetter: true,
      devices: 1000, rounds: cfg.rounds, sameModel: runs.every((p) => sameResult(p.memory.record, p.mqtt.record)),
      medianRoundMs: mid((p) => medianRound(p.mqtt.record)), memoryMedianRoundMs: mid((p) => medianRound(p.memory.record)),
      // CPU of every thread: on a machine with few cores, a run's wall time cannot fall below its CPU ÷ cores
      cpuMs: mid((p) => p.mqtt.cpuMs), memoryCpuMs: mid((p) => p.memory.cpuMs), cpuRatio: median(runs.map((p) => p.mqtt.cpuMs / p.memory.cpuMs)), cores: availableParallelism(),
      target: FLEET_BENCH_TARGETS.thousandAgentsRun, met: ratio <= FLEET_BENCH_TARGETS.thousandAgentsRun,
    }];
  },
};

/** A lab run with the peak resident memory above the level before it (sampled every 100 ms). */
async function memoryRun(cfg: ExperimentConfig, log: Log): Promise<TimedRun & { readonly peakExtraBytes: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  try {
    const t = await timedRun(cfg, 'memory', log);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { ...t, peakExtraBytes: peak - before };
  } finally {
    clearInterval(timer);
  }
}

/**
 * MALCOM-PSGD with 1,000 peers on a ring in the memory driver (a small MLP on the base's
 * data): node-iterations per second over the rounds and peak memory per node, each against
 * the same run with 100 peers (the reference, measured first in the same invocation).
 */
export const malcomRingCase: FleetBenchCase = {
  id: 'malcom-ring-1000',
  description: 'MALCOM-PSGD, 1,000 peers on a ring, memory driver: node-iterations/s and memory per node against 100 peers',
  async run(ctx) {
    const rounds = ctx.quick ? 3 : 10;
    const at = (devices: number): ExperimentConfig => variant(ctx.base, (b) => ({
      job: `${b.job}-malcom-ring`, rounds, fleet: { ...b.fleet, devices }, topology: { kind: 'ring' },
      model: { kind: 'mlp', hidden: [8], activation: 'relu' }, algorithm: { name: 'malcom-psgd' },
      transport: { ...b.transport, kind: 'memory', roundTimeoutMs: 600_000 }, evaluation: { every: rounds },
    }));
    const small = await memoryRun(at(100), ctx.log);
    const big = await memoryRun(at(1000), ctx.log);
    const rate = (t: TimedRun, n: number): number => (n * t.record.totals.rounds) / (t.record.totals.wallMs / 1000);
    const perNode = (bytes: number, n: number): number => bytes / n / 1024;
    const r1000 = rate(big, 1000), r100 = rate(small, 100);
    const m1000 = perNode(big.peakExtraBytes, 1000), m100 = perNode(small.peakExtraBytes, 100);
    const rows: BenchRow[] = [
      {
        name: 'fleet malcom-psgd ring 1000 peers, node-iterations/s', value: r1000, unit: 'node-iterations/s', ratioToReference: r1000 / r100,
        referenceName: 'fleet malcom-psgd ring 100 peers, node-iterations/s', referenceValue: r100, lowerIsBetter: false,
        devices: 1000, rounds, dim: big.record.model.dim, wholeMs: big.wholeMs, finalAccuracy: big.record.totals.finalAccuracy,
      },
      {
        name: 'fleet malcom-psgd ring 1000 peers, peak memory per node', value: m1000, unit: 'KiB/node', ratioToReference: m1000 / m100,
        referenceName: 'fleet malcom-psgd ring 100 peers, peak memory per node', referenceValue: m100, lowerIsBetter: true,
        devices: 1000, rounds, dim: big.record.model.dim,
      },
    ];
    return rows;
  },
};

/** Every case `edgefl bench fleet` runs, in order; add a case here to add rows. */
export const FLEET_BENCH_CASES: FleetBenchCase[] = [quickstartCase, thousandAgentsCase, malcomRingCase];

export async function benchFleet(
  base: ExperimentConfig,
  opts: { quick?: boolean; cases?: readonly string[]; log?: Log } = {},
): Promise<{ reference: BenchRow; results: BenchRow[] }> {
  const ctx: FleetBenchContext = { base, quick: opts.quick ?? false, log: opts.log ?? nullLog };
  const known = FLEET_BENCH_CASES.map((c) => c.id);
  const unknown = (opts.cases ?? []).filter((id) => !known.includes(id));
  if (unknown.length > 0 || opts.cases?.length === 0) {
    throw new EdgeflError('BENCH_ARGS', `unknown fleet benchmark case ${unknown.map((u) => JSON.stringify(u)).join(', ') || '(none given)'}`, `choose among ${known.join(', ')}, e.g. --cases ${known[0]}`);
  }
  const chosen = opts.cases === undefined ? FLEET_BENCH_CASES : FLEET_BENCH_CASES.filter((c) => opts.cases!.includes(c.id));
  const results: BenchRow[] = [];
  for (const c of chosen) results.push(...(await c.run(ctx)));
  const first = results[0];
  const reference: BenchRow = {
    name: String(first?.['referenceName'] ?? 'none'), value: Number(first?.['referenceValue'] ?? NaN), unit: first?.unit ?? 'ms', ratioToReference: 1,
  };
  return { reference, results };
}
