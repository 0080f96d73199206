import type { Log } from '@edgefl/core';
import { deviceIds, type ExperimentConfig } from '@edgefl/config';
import { prepareFederatedData, type FederatedData } from '@edgefl/data';
import { createTrainer, type Trainer } from '@edgefl/train';
import {
  MemoryNetwork, RoundTracker, RunHealth, judgeLosses, TrafficAccounting, countTraffic, createJob, hostNode, jobBudgets, linkRecords, receiveChecks, resolveTotalBudget,
  type BuildAlgorithm, type DeliveryKey, type HealthRecord, type HostedNode, type Job, type RoundRecord, type RunRecord,
} from '@edgefl/runtime';
// The MQTT driver's gateway (aedes, its stores, the monitor) and agent are imported when a
// run goes over MQTT: `--transport memory` loads neither.
import type { BrokerCounters } from '@edgefl/gateway';
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { objectiveGapOf } from './objective-gap.js';
import { spawnAgentThreads, type AgentThreads } from './agent-threads/agent-threads.js';
import { startFleetAgents, type EmulatedDevice } from './fleet-agents.js';

export type TransportKind = 'memory' | 'mqtt';

export interface ExperimentHooks {
  readonly log: Log;
  /** once the fleet is built, before round 1 */
  readonly onStart?: (info: { devices: readonly string[]; dim: number; rounds: number; transport: TransportKind }) => void;
  /** after each round is evaluated */
  readonly onRound?: (r: RoundRecord) => void;
  /** the model evaluated after each round (a copy), e.g. to compare drivers bit for bit */
  readonly onModel?: (round: number, model: Float32Array) => void;
  /** under `mqtt`, once every round is done: what the embedded broker saw, per client */
  readonly onBrokerCounters?: (counters: BrokerCounters) => void;
  /**
   * Stops the run early (Ctrl-C): every node stops where it is, the fleet is closed, and
   * the record of the rounds done so far is returned with `incomplete: true`.
   */
  readonly signal?: AbortSignal;
  /** run an algorithm the registry does not know (programs, tests); every node builds it with this */
  readonly buildAlgorithm?: BuildAlgorithm;
  /** under `memory`: lose the deliveries this returns true for (fault injection, e.g. to test keyframe resync) */
  readonly drop?: (key: DeliveryKey) => boolean;
  /**
   * under `mqtt`: worker threads that run the agents (0: this thread, beside the gateway).
   * Default `agentThreadsFor(devices)`; always 0 with `buildAlgorithm` (a function cannot
   * cross threads). The threads stay warm for the process's next run for 30 s
   * (`setAgentThreadsKeepWarm`, `closeIdleAgentThreads`), ~100 MB each.
   */
  readonly agentThreads?: number;
}

/** Fleets from this size on run their agents in worker threads by default (where there is a core to spare). */
export const AGENT_THREADS_FROM_DEVICES = 100;

/**
 * Worker threads for the agents of an emulated fleet of `devices` over MQTT: none for a
 * small fleet (a thread costs its start-up), else one per 500 devices, at most the cores
 * beside the one the gateway (broker and aggregator) runs on.
 */
export function agentThreadsFor(devices: number, cores = availableParallelism()): number {
  if (devices < AGENT_THREADS_FROM_DEVICES || cores < 2) return 0;
  return Math.min(cores - 1, Math.ceil(devices / 500));
}

/**
 * Runs one experiment on an emulated fleet. Under `memory` every node runs in this
 * process and messages go through the wire envelope without a broker; under `mqtt`
 * the real gateway (broker + aggregator, or only the broker and the job's clock when the
 * algorithm is serverless) and one real agent per device run here, each with its own MQTT
 * connection. Both build the same job from the same seed, so they produce the same model;
 * the run record also says what the links carried (counted by a port decorator on every node).
 */
export async function runExperiment(config: ExperimentConfig, hooks: ExperimentHooks): Promise<RunRecord> {
  const threads = config.transport.kind === 'mqtt' && !hooks.buildAlgorithm ? (hooks.agentThreads ?? agentThreadsFor(deviceIds(config.fleet).length)) : 0;
  // Spawned first: their modules load while this thread prepares the data, the evaluator and the gateway.
  const agentThreads = threads > 0 ? spawnAgentThreads({ job: config.job, jobTimeoutMs: config.transport.roundTimeoutMs, log: hooks.log, threads }) : null;
  try {
    return await runWith(config, hooks, agentThreads);
  } finally {
    await agentThreads?.close();
  }
}

async function runWith(config: ExperimentConfig, hooks: ExperimentHooks, agentThreads: AgentThreads | null): Promise<RunRecord> {
  const transport: TransportKind = config.transport.kind;
  const devices = deviceIds(config.fleet);
  const data = prepareFederatedData(config.data, devices.length, config.seed);
  const evaluator = await createTrainer({ model: config.model, data: data.train, seed: config.seed });
  // One total budget (budgets.total) becomes per-device budgets here, at job start.
  let cfg: ExperimentConfig;
  let job: ReturnType<typeof createJob>;
  try {
    cfg = resolveTotalBudget(config, devices, evaluator.dim);
    job = createJob(cfg, devices, hooks.buildAlgorithm);
  } catch (e) {
    await evaluator.close();
    throw e;
  }
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, cfg.transport.qos);
  const gapOf = objectiveGapOf(cfg, data.train);
  const rounds: RoundRecord[] = [];
  const start = performance.now();
  let lastWall = start;
  let lastTotals = accounting.totals();
  let evaluations: Promise<void> = Promise.resolve();

  const tracker = new RoundTracker(job.algorithm.nodes.map((n) => n.id), (round, models, metrics) => {
    const model = job.algorithm.evaluationModel(models);
    hooks.onModel?.(round, model);
    // `evaluation.every`: rounds in between get no entry; the next entry's payloadBits,
    // wireBytes and wallMs cover every round since the previous entry
    if (round % cfg.evaluation.every !== 0 && round !== cfg.rounds) return;
    const extra = job.algorithm.roundMetrics?.(round, models, metrics) ?? {};
    const now = performance.now();
    const totals = accounting.totals();
    const base = { round, payloadBits: totals.payloadBits - lastTotals.payloadBits, wireBytes: totals.wireBytes - lastTotals.wireBytes, wallMs: now - lastWall };
    lastWall = now;
    lastTotals = totals;
    // Evaluate in order, off the round's critical path.
    evaluations = evaluations.then(async () => {
      const train = await evaluator.evaluate(model, data.train);
      const test = await evaluator.evaluate(model, data.test);
      const rec: RoundRecord = { ...base, loss: train.loss, testLoss: test.loss, accuracy: test.accuracy, objectiveGap: gapOf(model), ...extra };
      rounds.push(rec);
      hooks.onRound?.(rec);
    });
  });

  hooks.onStart?.({ devices, dim: evaluator.dim, rounds: cfg.rounds, transport });
  let health: HealthRecord;
  try {
    if (transport === 'memory') {
      const h = new RunHealth({ rounds: cfg.rounds, devices, hasServer: !job.serverless, maxEmptyRoundFraction: cfg.health.maxEmptyRoundFraction });
      await runInMemory(job, data, evaluator, accounting, tracker, hooks, h);
      health = h.record();
    } else {
      health = await runOverMqtt(job, data, accounting, tracker, hooks, agentThreads);
    }
    await evaluations;
    if (!hooks.signal?.aborted) {
      for (const u of tracker.unfinished()) {
        hooks.log.warn({ round: u.round, missing: u.missing.slice(0, 20), count: u.missing.length }, 'round not recorded: these nodes never reported its end');
      }
    }
  } finally {
    // a failed run still has evaluations queued: let them finish before the evaluator closes
    // (else they fail on a closed trainer and hide the run's own error)
    await evaluations.catch(() => undefined);
    await evaluator.close();
  }

  const totals = accounting.totals();
  const last = rounds[rounds.length - 1];
  return {
    format: 'edgefl-run/1',
    source: 'sim',
    ...(hooks.signal?.aborted && rounds.length < cfg.rounds ? { incomplete: true as const } : {}),
    config: cfg,
    model: { dim: evaluator.dim },
    rounds,
    links: linkRecords(accounting.links(), jobBudgets(cfg, devices, accounting)),
    health: judgeLosses(health, rounds.map((r) => r.loss), cfg.health.maxLossRatio),
    totals: {
      rounds: last?.round ?? 0, payloadBits: totals.payloadBits, wireBytes: totals.wireBytes, wallMs: performance.now() - start,
      finalLoss: last?.loss ?? NaN, finalAccuracy: last?.accuracy ?? null,
      ...job.algorithm.runTotals?.(rounds),
    },
  };
}

async function runInMemory(job: Job, data: FederatedData, evaluator: Trainer, accounting: TrafficAccounting, tracker: RoundTracker, hooks: ExperimentHooks, health: RunHealth): Promise<void> {
  const cfg = job.cfg;
  const log = hooks.log;
  const dim = evaluator.dim;
  const initial = { dim, params: evaluator.initParams(cfg.seed), layout: evaluator.layout };
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: receiveChecks(job, dim), log, ...(hooks.drop ? { drop: hooks.drop } : {}) });
  const hosts: HostedNode[] = [];
  try {
    // Settled, not all: when one node fails to start, the learners of the others are still closed.
    const started = await Promise.allSettled(job.algorithm.nodes.map(async (spec) => {
      const index = job.devices.indexOf(spec.id);
      const shard = index >= 0 ? data.shards[index] : undefined;
      const host = await hostNode({
        job, id: spec.id, log, initial, port: (s) => net.port(s), wrapPort: countTraffic(accounting), ...(shard ? { data: shard } : {}),
      });
      hosts.push(host);
      return host;
    }));
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    // A node that fails (e.g. a budget its codec cannot meet, found when its machine is
    // built) stops the others: left running, they waited out every round's timeout with
    // nobody to hear from, and kept the process alive for minutes after the error.
    const failed = new AbortController();
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, failed.signal]) : failed.signal;
    // Every node's mailbox waits on this one signal: one listener per node is no leak
    // (Node warned from the 11th on, so a sim of 11 devices printed a leak warning).
    setMaxListeners(hosts.length + 10, signal);
    await Promise.all(hosts.map((h) => h.run({ onRoundEnd: tracker.hook(h.spec.id), health, signal }).catch((e: unknown) => {
      failed.abort();
      throw e;
    })));
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
}

/** Connection limits that admit an in-process fleet of `devices` connecting at once (plus the aggregator and observers). */
export function fleetLimits(devices: number): { maxConnections: number; connectRatePerSec: number; connectBurst: number } {
  return { maxConnections: Math.max(1000, devices + 16), connectRatePerSec: Math.max(20, devices), connectBurst: Math.max(40, devices + 16) };
}

/** Over MQTT the gateway's aggregator keeps the job's health (what the server node acted on). */
async function runOverMqtt(job: Job, data: FederatedData, accounting: TrafficAccounting, tracker: RoundTracker, hooks: ExperimentHooks, agentThreads: AgentThreads | null): Promise<HealthRecord> {
  const cfg = job.cfg;
  const log = hooks.log;
  // The agent's modules load beside the gateway's (in their threads, they are loading already).
  const agentModule = agentThreads ? null : import('@edgefl/agent');
  agentModule?.catch(() => undefined);
  const { provisionKnownFleet, startGateway } = await import('@edgefl/gateway');
  // Per-device credentials, made for this run and never written anywhere: the embedded
  // gateway enforces the same keys and topic policy as `edgefl gateway`.
  const fleet = provisionKnownFleet(job.devices);
  const gateway = await startGateway({
    listen: cfg.gateway, auth: { keys: { entries: fleet.entries, knownSecrets: fleet.secrets } }, experiment: cfg, devices: job.devices, log, data, accounting, wrapPort: countTraffic(accounting),
    readyTimeoutMs: cfg.transport.roundTimeoutMs,
    // The whole fleet connects at once from this process's loopback address: the per-source
    // connection rate limit (20/s against floods from one host) and the cap on open
    // connections (1 000) would refuse a large emulated fleet, so they are sized to it.
    limits: fleetLimits(job.devices.length),
    ...(job.serverless ? {} : { onRoundEnd: tracker.hook(job.server) }),
    ...(hooks.buildAlgorithm ? { buildAlgorithm: hooks.buildAlgorithm } : {}),
    // The run record evaluates every round already; the gateway's own log evaluation would repeat it.
    evaluateRounds: false,
  });
  const url = `mqtt://127.0.0.1:${gateway.broker.port}`;
  const devices = job.devices.map((device, i) => ({ device, password: fleet.secrets.get(device)!, data: data.shards[i]! }));
  let fleetOf: EmulatedAgents | undefined;
  try {
    fleetOf = agentThreads
      ? await agentsInThreads(agentThreads, url, devices, accounting, tracker)
      : await agentsHere(await agentModule!, job, url, devices, accounting, tracker, hooks);
    // On abort the finally below closes the fleet, which ends every node where it is.
    const finished = await Promise.race([Promise.all([gateway.aggregator.done, fleetOf.done]).then(() => true), aborted(hooks.signal)]);
    if (finished) hooks.onBrokerCounters?.(gateway.broker.counters);
    return gateway.aggregator.health();
  } finally {
    await fleetOf?.close();
    await gateway.close();
  }
}

/** The agents of an emulated fleet, however they run. */
interface EmulatedAgents {
  readonly done: Promise<unknown>;
  close(): Promise<unknown>;
}

/** Every agent in this thread, beside the gateway. */
async function agentsHere({ startAgent }: typeof import('@edgefl/agent'), job: Job, url: string, devices: readonly EmulatedDevice[], accounting: TrafficAccounting, tracker: RoundTracker, hooks: ExperimentHooks): Promise<EmulatedAgents> {
  return startFleetAgents(startAgent, devices, {
    url, job: job.cfg.job, jobTimeoutMs: job.cfg.transport.roundTimeoutMs, log: hooks.log, wrapPort: countTraffic(accounting),
    onRoundEnd: (device) => tracker.hook(device),
    ...(hooks.buildAlgorithm ? { buildAlgorithm: hooks.buildAlgorithm } : {}),
  });
}

/** The agents in worker threads: their round models and traffic come back to this thread's tracker and accounting. */
async function agentsInThreads(threads: AgentThreads, url: string, devices: readonly EmulatedDevice[], accounting: TrafficAccounting, tracker: RoundTracker): Promise<EmulatedAgents> {
  try {
    await threads.start({
      url, agents: devices,
      // each model is a copy the thread gave away: kept, not copied again
      onRoundEnd: (device, round, model, metrics) => tracker.hook(device, true)(round, model, metrics),
      onTraffic: (t) => accounting.record(t),
    });
  } catch (e) {
    // the agents that did start leave before the gateway closes
    await threads.close();
    throw e;
  }
  return threads;
}

/** Resolves false once `signal` aborts; never without one. */
function aborted(signal: AbortSignal | undefined): Promise<false> {
  return new Promise((resolve) => {
    if (signal === undefined) return;
    if (signal.aborted) return resolve(false);
    signal.addEventListener('abort', () => resolve(false), { once: true });
  });
}

