import { EdgeflError, Rng, type Dataset, type Log } from '@edgefl/core';
import { createAlgorithm, type Algorithm, type AlgorithmSpec, type BuildContext, type LocalLearner, type NodeEnv, type NodeSpec, type ParamSegment } from '@edgefl/algorithms';
import { deviceIds, parseExperimentConfig, type ExperimentConfig } from '@edgefl/config';
import { GATEWAY, budgetOf, isValidId } from '@edgefl/transport';
import type { Expectation } from './wire.js';
import { LRUCache } from 'lru-cache';
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
 *
 * A job built from a decoded announcement (frozen, and shared by every agent of this
 * process that received it) is built once per process: an emulated fleet's 1,000 agents
 * each building the job for 1,000 devices was O(devices²) work at start. Sharing one job
 * among a process's nodes is what the memory driver does: a job holds no node's state.
 */
export function createJob(cfg: ExperimentConfig, devices: readonly string[] = deviceIds(cfg.fleet), build: BuildAlgorithm = createAlgorithm): Job {
  if (!Object.isFrozen(cfg) || !Object.isFrozen(devices)) return buildJob(cfg, devices, build);
  const shared = announcedJobs.get(devices);
  if (shared !== undefined && shared.cfg === cfg && shared.build === build) return shared.job;
  const job = buildJob(cfg, devices, build);
  announcedJobs.set(devices, { cfg, build, job });
  return job;
}

const announcedJobs = new WeakMap<readonly string[], { readonly cfg: ExperimentConfig; readonly build: BuildAlgorithm; readonly job: Job }>();

function buildJob(cfg: ExperimentConfig, devices: readonly string[], build: BuildAlgorithm): Job {
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
   * The round the aggregator is in (0 before the first). The retained announcement moves
   * with each round, so a device that joins or restarts mid-job starts there instead of at round 1.
   */
  readonly round: number;
  /** on the wire only when they are not the experiment's own numbered ids (`deviceIds(experiment.fleet)`) */
  readonly devices: readonly string[];
  readonly dim: number;
  readonly experiment: ExperimentConfig;
}

export function encodeJobAnnouncement(a: Omit<JobAnnouncement, 'format'>): Uint8Array {
  // A fleet of numbered devices is named by its config already: its id list was most of the
  // announcement (11 of 11.8 kB at 1,000 devices), which every device downloads when it joins.
  const { devices, ...rest } = a;
  const own = deviceIds(a.experiment.fleet);
  const named = own.length === devices.length && own.every((d, i) => d === devices[i]);
  return new TextEncoder().encode(JSON.stringify({ format: JOB_FORMAT, ...rest, ...(named ? {} : { devices }) }));
}

/** Larger announcements are decoded every time rather than held. */
const MAX_CACHED_ANNOUNCEMENT_BYTES = 1024 * 1024;
/** Experiments already validated, by their JSON text: the same experiment arrives with a new round number every round. */
const validatedExperiments = new LRUCache<string, ExperimentConfig>({ max: 8 });

/** One strict decoder for every announcement (it keeps no state between whole-buffer decodes). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a `ctl` message; a hostile or foreign one is a JobSpecError naming what is wrong. */
export function decodeJobAnnouncement(bytes: Uint8Array): JobAnnouncement {
  if (lastDecoded !== null && sameBytes(lastDecoded.bytes, bytes)) return lastDecoded.ann;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (e) {
    throw new JobSpecError(`job announcement is not JSON (not UTF-8 text: ${(e as Error).message})`);
  }
  const ann = deepFreeze(parseAnnouncement(text));
  if (bytes.length <= MAX_CACHED_ANNOUNCEMENT_BYTES) lastDecoded = { bytes: bytes.slice(), ann };
  return ann;
}

/**
 * The last valid announcement decoded in this process, with a copy of its bytes. In an
 * emulated fleet all agents share a process and read the same retained announcement as they
 * join (and, against a broker other than the gateway's, each round's clock too): 1,000 agents
 * decoded and validated the same announcement 1,000 times. Now the first one decodes it and
 * the others compare bytes. What is returned is deeply frozen and shared between callers:
 * none can change what another one was given.
 */
let lastDecoded: { readonly bytes: Uint8Array; readonly ann: JobAnnouncement } | null = null;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function parseAnnouncement(text: string): JobAnnouncement {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new JobSpecError(`job announcement is not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new JobSpecError('job announcement is not an object');
  const r = raw as Record<string, unknown>;
  if (r['format'] !== JOB_FORMAT) throw new JobSpecError(`job announcement format ${JSON.stringify(r['format'])} is not ${JOB_FORMAT}`);
  if (r['state'] !== 'running' && r['state'] !== 'done') throw new JobSpecError('job announcement state must be running or done');
  const dim = r['dim'];
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) throw new JobSpecError('job announcement dim must be a positive integer');
  const round = r['round'];
  if (typeof round !== 'number' || !Number.isInteger(round) || round < 0) throw new JobSpecError('job announcement round must be an integer ≥ 0');
  const experiment = parseAnnouncedExperiment(r['experiment']);
  if (round > experiment.rounds) throw new JobSpecError(`job announcement round ${round} is past the job's ${experiment.rounds} rounds`);
  // Absent: the experiment's own numbered devices (encodeJobAnnouncement leaves them out).
  const devices = r['devices'] === undefined ? deviceIds(experiment.fleet) : r['devices'];
  if (!Array.isArray(devices) || devices.length === 0 || !devices.every((d) => typeof d === 'string' && isValidId(d) && d !== GATEWAY)) {
    throw new JobSpecError(`job announcement devices must be a non-empty list of device ids other than ${GATEWAY}`);
  }
  if (new Set(devices).size !== devices.length) throw new JobSpecError('job announcement devices repeat an id');
  return { format: JOB_FORMAT, state: r['state'], round, devices: devices as string[], dim, experiment };
}

function parseAnnouncedExperiment(raw: unknown): ExperimentConfig {
  const text = JSON.stringify(raw) ?? '';
  const hit = validatedExperiments.get(text);
  if (hit !== undefined) return hit;
  const experiment = deepFreeze(parseExperimentConfig(raw, 'job announcement'));
  if (text.length <= MAX_CACHED_ANNOUNCEMENT_BYTES) validatedExperiments.set(text, experiment);
  return experiment;
}

/** `value` with every object and array in it frozen (typed arrays have none here: the announcement is JSON). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export class JobSpecError extends EdgeflError {
  constructor(message: string) {
    super('JOB', message, 'the gateway and this agent must run the same edgefl version; restart the gateway to republish the job');
  }
}
