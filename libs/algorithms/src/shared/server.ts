import { errorMessage } from '@edgefl/core';
import { keepsSharedReference, type CodecCompressor, type CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, LocalLearner, MessageKey, NodeEnv, NodeId, NodeSpec, Outbound } from '../contract/types.js';
import { AlgorithmError } from '../contract/errors.js';
import { BudgetedCodec, type RoundBudgetOption } from '../contract/budget-fit.js';
import type { AggregationRule } from './aggregate.js';
import { sub, type StateRecord, type StateValue } from '../contract/snapshot.js';

/**
 * What every parameter-server algorithm (FedAvg, S-ADMM, GD/QGD, the DQ family, QCMD/QRDA)
 * shares: one server, its workers, and the server's model as the job's. The updates
 * themselves stay in each algorithm's folder.
 */

/** The fields of an `Algorithm` a server job has in common: its name, nodes and evaluated model. */
export function serverJob(name: string, server: NodeId, workers: readonly NodeId[]): Pick<Algorithm, 'name' | 'nodes' | 'evaluationModel'> {
  if (workers.length === 0) throw new AlgorithmError(`${name} needs at least one worker`, 'set fleet.devices ≥ 1');
  const nodes: NodeSpec[] = [{ id: server, role: 'server' }, ...workers.map((id) => ({ id, role: 'worker' as const }))];
  return { name, nodes, evaluationModel: serverModel(server) };
}

/** `Algorithm.evaluationModel` of a server job: the server's model, or AlgorithmError when none was recorded. */
export function serverModel(server: NodeId): Algorithm['evaluationModel'] {
  return (models) => {
    const m = models.get(server);
    if (!m) throw new AlgorithmError(`no model recorded for server ${server}`);
    return m;
  };
}

/** The messages a server waits for in `round`: one of `phase` from every worker. */
export function fromEveryWorker(workers: readonly NodeId[], round: number, phase: number): MessageKey[] {
  return workers.map((from) => ({ from, round, phase }));
}

/** A worker's local learner, or AlgorithmError naming the worker that has none. */
export function workerLearner(env: NodeEnv): LocalLearner {
  if (!env.learner) throw new AlgorithmError(`worker ${env.spec.id} has no local learner`);
  return env.learner;
}

/** One link's codec, fitted to this round's budget (`BudgetedCodec.codecFor`). */
export interface LinkCodec {
  readonly c: CodecCompressor<unknown>;
  readonly state: unknown;
}

/** `values` encoded with `link`'s codec, addressed to `to`. */
export function encodeFor(env: NodeEnv, link: LinkCodec, values: Float32Array, to: readonly NodeId[], meta?: Readonly<Record<string, number>>): Outbound {
  const enc = link.c.encode(values, link.state, env.rng);
  return { to, codec: link.c.spec, dim: env.dim, body: enc.body, payloadBits: enc.payloadBits, ...(meta ? { meta } : {}) };
}

/** The robust-aggregation and admission options every server algorithm takes. */
export interface ServerRuleOptions {
  /** how the server combines its workers' vectors (default: the algorithm's own mean or sum) */
  readonly aggregation?: AggregationRule | undefined;
  /** an update's norm bound, × max(‖model‖, median of recent update norms) (default 100) */
  readonly admission?: { readonly maxNormRatio: number } | undefined;
}

/** The codecs of a server job's two directions (fitted per link to `roundBudget`, when the job has one). */
export interface StarCodecOptions extends RoundBudgetOption {
  /** codec of worker → server messages */
  readonly up: CodecSpec;
  /** codec of the server → workers broadcast */
  readonly down: CodecSpec;
}

/**
 * Refuses, when the job is built, a codec a star cannot carry: one whose receiver decodes
 * against a reference shared with its sender (`qgadmm`, also inside `ef`). The star keeps
 * one codec state per direction — the broadcast is one sender's, and a worker's upload
 * state is its own — and has no keyframe resync: a server decoding every worker's upload
 * against one reference adds wrong values, and an upload or broadcast lost to a deadline
 * would leave the two ends' references apart for good, silently. Stateless codecs, and
 * error feedback around them (its residual is the sender's alone), are what a star takes;
 * residual-to-reference coding belongs to the peer links (q-gadmm), which resync.
 */
export function checkStarCodecs(name: string, opts: StarCodecOptions): void {
  for (const [dir, spec] of [['up', opts.up], ['down', opts.down]] as const) {
    if (!keepsSharedReference(spec)) continue;
    const bits = typeof spec['bits'] === 'number' ? spec['bits'] : 4;
    throw new AlgorithmError(
      `codec.${dir} ${JSON.stringify(spec)} cannot be used by ${name}: it decodes against a reference shared with one sender, which a server job's links do not keep (one server decodes many workers, and no keyframe resynchronises a lost message)`,
      `use a stateless codec for codec.${dir} of ${name}, e.g. { id: uniform, bits: ${bits} } (the same b·d + 64 bits), qsgd, topk, or ef around topk/sign; qgadmm is for the peer links of q-gadmm`);
  }
}

/**
 * The two codecs of a server job, each fitted per link to the round budget: `up` (worker →
 * server) and `down` (the server's broadcast). The links a node sends on are fitted at
 * construction, so a budget no codec setting meets fails at job start, naming the minimum.
 */
export class StarCodecs {
  readonly up: BudgetedCodec;
  readonly down: BudgetedCodec;

  private constructor(opts: StarCodecOptions, dim: number, private readonly server: NodeId, private readonly workers: readonly NodeId[]) {
    this.up = new BudgetedCodec(opts.up, dim, opts.roundBudget);
    this.down = new BudgetedCodec(opts.down, dim, opts.roundBudget);
  }

  /** The server's: it broadcasts to every worker and decodes every worker's upload. */
  static forServer(env: NodeEnv, workers: readonly NodeId[], opts: StarCodecOptions): StarCodecs {
    const s = new StarCodecs(opts, env.dim, env.spec.id, workers);
    s.down.check([env.spec.id], workers);
    s.up.check(workers, [env.spec.id]);
    return s;
  }

  /** A worker's: it uploads to `server` and decodes the broadcast. */
  static forWorker(env: NodeEnv, server: NodeId, workers: readonly NodeId[], opts: StarCodecOptions): StarCodecs {
    const s = new StarCodecs(opts, env.dim, server, workers);
    s.up.check([env.spec.id], [server]);
    return s;
  }

  /** The broadcast's codec this round (the tightest budget among the workers' downlinks). */
  broadcast(): LinkCodec {
    return this.down.codecFor(this.server, this.workers);
  }

  /** The codec of `worker`'s upload this round: what it encodes with and the server decodes with. */
  upload(worker: NodeId): LinkCodec {
    return this.up.codecFor(worker, [this.server]);
  }

  /** Both codecs' states for a checkpoint (`down`, `up`). */
  states(): { down: StateValue; up: StateValue } {
    return { down: this.down.states(), up: this.up.states() };
  }

  /** Takes back `states()` from a checkpoint record. */
  restoreStates(r: StateRecord): void {
    this.down.restoreStates(sub(r, 'down'));
    this.up.restoreStates(sub(r, 'up'));
  }
}

/**
 * A worker's view of the round's broadcast: the decoded model, or null — logged — when it
 * did not arrive by the deadline, does not decode or is not finite (network input: the
 * worker skips the round, as for a missing one, instead of ending).
 */
export function receiveBroadcast(env: NodeEnv, codecs: StarCodecs, round: number, msg: Inbound | undefined): Float32Array | null {
  if (!msg) {
    env.log.warn({ round }, 'no global model arrived before the deadline; skipping this round');
    return null;
  }
  try {
    const { c, state } = codecs.broadcast();
    const global = c.decode(msg.body, env.dim, state);
    for (let i = 0; i < global.length; i++) if (!Number.isFinite(global[i]!)) throw new AlgorithmError(`global model has a non-finite value at index ${i}`);
    return global;
  } catch (e) {
    env.log.warn({ round, from: msg.from, reason: errorMessage(e) }, 'global model rejected; skipping this round');
    return null;
  }
}
