import { errorMessage, type Log } from '@edgefl/core';
import { deviceIds, type ExperimentConfig } from '@edgefl/config';
import { prepareFederatedData, type FederatedData } from '@edgefl/data';
import { createTrainer, type Trainer } from '@edgefl/train';
import {
  MemoryNetwork, RoundTracker, TrafficAccounting, createJob, jobBudgets, linkRecords, nodeEnv, receiveChecks, runNode, trainerSeed,
  type Job, type RoundRecord, type RunRecord,
} from '@edgefl/runtime';
import { startGateway, type BrokerCounters } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';

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
}

/**
 * Runs one experiment on an emulated fleet. Under `memory` every node runs in this
 * process and messages go through the wire envelope without a broker; under `mqtt`
 * the real gateway (broker + aggregator) and one real agent per device run here, each
 * with its own MQTT connection. Both build the same job from the same seed, so they
 * produce the same model; the run record also says what the links carried.
 */
export async function runExperiment(cfg: ExperimentConfig, hooks: ExperimentHooks): Promise<RunRecord> {
  const transport: TransportKind = cfg.transport.kind;
  const devices = deviceIds(cfg.fleet);
  const job = createJob(cfg, devices);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const evaluator = await createTrainer({ model: cfg.model, data: data.train, seed: cfg.seed });
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, cfg.transport.qos);
  const rounds: RoundRecord[] = [];
  const start = performance.now();
  let lastWall = start;
  let lastTotals = accounting.totals();
  let evaluations: Promise<void> = Promise.resolve();

  const tracker = new RoundTracker(job.algorithm.nodes.map((n) => n.id), (round, models) => {
    const model = job.algorithm.evaluationModel(models);
    hooks.onModel?.(round, model);
    const now = performance.now();
    const totals = accounting.totals();
    const base = { round, payloadBits: totals.payloadBits - lastTotals.payloadBits, wireBytes: totals.wireBytes - lastTotals.wireBytes, wallMs: now - lastWall };
    lastWall = now;
    lastTotals = totals;
    // Evaluate in order, off the round's critical path.
    evaluations = evaluations.then(async () => {
      const train = await evaluator.evaluate(model, data.train);
      const test = await evaluator.evaluate(model, data.test);
      const rec: RoundRecord = { ...base, loss: train.loss, accuracy: test.accuracy, objectiveGap: null };
      rounds.push(rec);
      hooks.onRound?.(rec);
    });
  });

  hooks.onStart?.({ devices, dim: evaluator.dim, rounds: cfg.rounds, transport });
  try {
    if (transport === 'memory') await runInMemory(job, data, evaluator, accounting, tracker, hooks.log);
    else await runOverMqtt(job, data, accounting, tracker, hooks);
    await evaluations;
  } finally {
    await evaluator.close();
  }

  const totals = accounting.totals();
  const last = rounds[rounds.length - 1];
  return {
    format: 'edgefl-run/1',
    source: 'sim',
    config: cfg,
    model: { dim: evaluator.dim },
    rounds,
    links: linkRecords(accounting.links(), jobBudgets(cfg, devices, accounting)),
    totals: {
      rounds: rounds.length, payloadBits: totals.payloadBits, wireBytes: totals.wireBytes, wallMs: performance.now() - start,
      finalLoss: last?.loss ?? NaN, finalAccuracy: last?.accuracy ?? null,
    },
  };
}

async function runInMemory(job: Job, data: FederatedData, evaluator: Trainer, accounting: TrafficAccounting, tracker: RoundTracker, log: Log): Promise<void> {
  const cfg = job.cfg;
  const dim = evaluator.dim;
  const initialParams = evaluator.initParams(cfg.seed);
  const net = new MemoryNetwork(cfg.job, job.algorithm.nodes, receiveChecks(job, dim), accounting, log);
  const trainers: Trainer[] = [];
  try {
    const runs = await Promise.all(job.algorithm.nodes.map(async (spec) => {
      const index = job.devices.indexOf(spec.id);
      const shard = index >= 0 ? data.shards[index] : undefined;
      const learner = shard ? await createTrainer({ model: cfg.model, data: shard, seed: trainerSeed(job, spec.id) }) : undefined;
      if (learner) trainers.push(learner);
      const node = job.algorithm.createNode(nodeEnv(job, spec, {
        dim, initialParams, log, ...(learner ? { learner } : {}), ...(shard ? { data: shard } : {}),
      }));
      return { node, port: net.port(spec) };
    }));
    await Promise.all(runs.map(({ node, port }) => runNode(node, port, {
      rounds: cfg.rounds, phases: job.algorithm.phases.length, phaseTimeoutMs: cfg.transport.roundTimeoutMs, log,
      onRoundEnd: tracker.hook(node.spec.id),
    })));
  } finally {
    await Promise.all(trainers.map((t) => t.close()));
  }
}

async function runOverMqtt(job: Job, data: FederatedData, accounting: TrafficAccounting, tracker: RoundTracker, hooks: ExperimentHooks): Promise<void> {
  const cfg = job.cfg;
  const log = hooks.log;
  const gateway = await startGateway({
    listen: cfg.gateway, experiment: cfg, devices: job.devices, log, data, accounting,
    readyTimeoutMs: cfg.transport.roundTimeoutMs, onRoundEnd: tracker.hook(job.server),
    // The run record evaluates every round already; the gateway's own log evaluation would repeat it.
    evaluateRounds: false,
  });
  const agents: { close(): Promise<void> }[] = [];
  try {
    const started = await Promise.all(job.devices.map((device, i) => startAgent({
      url: `mqtt://127.0.0.1:${gateway.broker.port}`, device, job: cfg.job, log, data: data.shards[i]!,
      jobTimeoutMs: cfg.transport.roundTimeoutMs, onRoundEnd: tracker.hook(device), accounting,
    })));
    agents.push(...started);
    await Promise.all([gateway.aggregator.done, ...started.map((a) => a.done)]);
    hooks.onBrokerCounters?.(gateway.broker.counters);
  } finally {
    for (const a of agents) await a.close().catch((e: unknown) => log.warn({ reason: errorMessage(e) }, 'agent close failed'));
    await gateway.close();
  }
}
