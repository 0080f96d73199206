import { EdgeflError, Rng, type Dataset, type Log } from '@edgefl/core';
import { createAlgorithm, type Algorithm, type AlgorithmSpec, type BuildContext, type LocalLearner, type NodeEnv, type NodeSpec, type ParamSegment } from '@edgefl/algorithms';
import { deviceIds, parseExperimentConfig, type ExperimentConfig } from '@edgefl/config';
import { GATEWAY, budgetOf, isValidId } from '@edgefl/transport';
import type { Expectation } from './wire.js';
import { Routes } from './routes.js';

/** A job ready to run: its configuration, fleet and algorithm. Built identically on every node. */
export interface Job {
  readonly cfg: ExperimentConfig;
  /** the aggregator's node id (`gateway`), whether or not the algorithm has a server */
  readonly server: string;
  readonly devices: readonly string[];
  readonly algorithm: Algorithm;
  /** no node has the server role: the gateway only brokers, announces and observes */
  readonly serverless: boolean;
  /** who hears whom, and on which topics (checked when the job is built) */
  readonly routes: Routes;
}

/**
 * Builds a job's algorithm from its `algorithm:` section. The default is the registry
 * (`createAlgorithm`); programs and tests may run an algorithm the registry does not know
 * (the job's `algorithm:` is then only what they make of it).
 */
export type BuildAlgorithm = (spec: AlgorithmSpec, ctx: BuildContext) => Algorithm;

/**
 * Builds the job every node of it builds identically. Refuses (AlgorithmError) an
 * algorithm whose `senders` do not describe its nodes — e.g. peers without `senders`.
 */
export function createJob(cfg: ExperimentConfig, devices: readonly string[] = deviceIds(cfg.fleet), build: BuildAlgorithm = createAlgorithm): Job {
  const budgets = cfg.budgets;
  const roundBudget = budgets === undefined ? undefined : (from: string, to: string): number | null => budgetOf(budgets, { from, to }, devices)?.bitsPerRound ?? null;
  const algorithm = build(cfg.algorithm, {
    server: GATEWAY, devices, codecs: cfg.codec, seed: cfg.seed, ...(roundBudget ? { roundBudget } : {}), ...(cfg.topology ? { topology: cfg.topology } : {}),
  });
  const routes = new Routes(cfg.job, algorithm);
  return { cfg, server: GATEWAY, devices, algorithm, serverless: !algorithm.nodes.some((n) => n.role === 'server'), routes };
}

export function nodeSpec(job: Job, id: string): NodeSpec {
  const spec = job.algorithm.nodes.find((n) => n.id === id);
  if (!spec) throw new Error(`node ${id} is not part of job ${job.cfg.job}`);
  return spec;
}

/** The environment of one node; its Rng derives from the job seed and its id, so runs replay. */
export function nodeEnv(
  job: Job,
  spec: NodeSpec,
  o: { dim: number; initialParams: Float32Array; log: Log; learner?: LocalLearner; data?: Dataset; startRound?: number; layout?: readonly ParamSegment[] },
): NodeEnv {
  return {
    spec,
    rng: new Rng(`${job.cfg.seed}/${spec.id}`),
    dim: o.dim,
    initialParams: o.initialParams,
    log: o.log.child({ node: spec.id }),
    ...(o.learner ? { learner: o.learner } : {}),
    ...(o.data ? { data: o.data } : {}),
    ...(o.startRound !== undefined ? { startRound: o.startRound } : {}),
    ...(o.layout ? { layout: o.layout } : {}),
  };
}

/** Largest envelope a node accepts (the transport reassembles up to the same size). */
export const MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;

/** What every node of `job` checks inbound messages against, under either driver (sender and job are added by the driver). */
export function receiveChecks(job: Job, dim: number): Omit<Expectation, 'senders' | 'job'> {
  return { dim, maxBytes: MAX_ENVELOPE_BYTES, phases: job.algorithm.phases.length };
}

/** Seed of a device's trainer (mini-batch sampling), distinct per device. */
export function trainerSeed(job: Job, device: string): number {
  return new Rng(`${job.cfg.seed}/trainer/${device}`).nextUint32();
}

/** Retained status a device publishes once it has its job, data and model and listens for messages. */
export const STATUS_READY = 'ready';

/** Retained status a device publishes once its node has finished the job's last round. */
export const STATUS_DONE = 'done';

/** The job spec a gateway publishes (retained) on `ctl`, for agents to build the same job. */
export const JOB_FORMAT = 'edgefl-job/1';

export interface JobAnnouncement {
  readonly format: typeof JOB_FORMAT;
  readonly state: 'running' | 'done';
  /**
   * The round the aggregator is in (0 before the first). Republished as each round starts,
   * so a device that joins or restarts mid-job starts there instead of at round 1.
   */
  readonly round: number;
  readonly devices: readonly string[];
  readonly dim: number;
  readonly experiment: ExperimentConfig;
}

export function encodeJobAnnouncement(a: Omit<JobAnnouncement, 'format'>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: JOB_FORMAT, ...a }));
}

/** Parses a `ctl` message; a hostile or foreign one is a ConfigError naming what is wrong. */
export function decodeJobAnnouncement(bytes: Uint8Array): JobAnnouncement {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new JobSpecError(`job announcement is not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new JobSpecError('job announcement is not an object');
  const r = raw as Record<string, unknown>;
  if (r['format'] !== JOB_FORMAT) throw new JobSpecError(`job announcement format ${JSON.stringify(r['format'])} is not ${JOB_FORMAT}`);
  if (r['state'] !== 'running' && r['state'] !== 'done') throw new JobSpecError('job announcement state must be running or done');
  const devices = r['devices'];
  if (!Array.isArray(devices) || devices.length === 0 || !devices.every((d) => typeof d === 'string' && isValidId(d) && d !== GATEWAY)) {
    throw new JobSpecError(`job announcement devices must be a non-empty list of device ids other than ${GATEWAY}`);
  }
  if (new Set(devices).size !== devices.length) throw new JobSpecError('job announcement devices repeat an id');
  const dim = r['dim'];
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) throw new JobSpecError('job announcement dim must be a positive integer');
  const round = r['round'];
  if (typeof round !== 'number' || !Number.isInteger(round) || round < 0) throw new JobSpecError('job announcement round must be an integer ≥ 0');
  const experiment = parseAnnouncedExperiment(r['experiment']);
  if (round > experiment.rounds) throw new JobSpecError(`job announcement round ${round} is past the job's ${experiment.rounds} rounds`);
  return { format: JOB_FORMAT, state: r['state'], round, devices: devices as string[], dim, experiment };
}

/**
 * Experiments already validated, by their JSON text (a few, oldest dropped first). A gateway
 * republishes the whole job, experiment included, as each round starts, and every agent
 * decodes it: validating the same experiment with zod again on every agent every round was
 * ~8 % of the main thread of an 8-agent `edgefl sim` over MQTT and grows with the fleet (the
 * memory driver does none of it). A repeat costs a JSON.stringify and a structuredClone; each
 * caller gets its own copy, so none can change another's.
 */
const validatedExperiments = new Map<string, ExperimentConfig>();
const VALIDATED_EXPERIMENTS = 8;
/** Larger experiment sections are validated every time rather than held. */
const MAX_CACHED_EXPERIMENT_CHARS = 256 * 1024;

function parseAnnouncedExperiment(raw: unknown): ExperimentConfig {
  const text = JSON.stringify(raw) ?? '';
  const hit = validatedExperiments.get(text);
  if (hit !== undefined) return structuredClone(hit);
  const experiment = parseExperimentConfig(raw, 'job announcement');
  if (text.length <= MAX_CACHED_EXPERIMENT_CHARS) {
    if (validatedExperiments.size >= VALIDATED_EXPERIMENTS) validatedExperiments.delete(validatedExperiments.keys().next().value!);
    validatedExperiments.set(text, structuredClone(experiment));
  }
  return experiment;
}

export class JobSpecError extends EdgeflError {
  constructor(message: string) {
    super('JOB', message, 'the gateway and this agent must run the same edgefl version; restart the gateway to republish the job');
  }
}
