import { errorMessage, type Log } from '@edgefl/core';
import type { Algorithm, Inbound, LocalLearner, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal } from '../../contract/types.js';
import { aggregate, deviationNorm, DEFAULT_AGGREGATION, type AggregationRule, type Weighted } from '../../shared/aggregate.js';
import { UploadIntake, checkSamples } from '../../shared/admission.js';
import { StarCodecs, checkStarCodecs, encodeFor, fromEveryWorker, receiveBroadcast, serverJob, workerLearner, type ServerRuleOptions, type StarCodecOptions } from '../../shared/server.js';
import { floats, packState, unpackState } from '../../contract/snapshot.js';

/**
 * FedAvg (McMahan et al., 2017): the server broadcasts the global model, each worker runs
 * `localSteps` mini-batch SGD steps on its shard and uploads its compressed model delta,
 * the server adds the sample-weighted average delta (McMahan et al. 2017).
 * Uploading deltas rather than weights keeps quantization error proportional to the
 * update, not to the model. `up` carries the deltas, `down` the model; `aggregation`
 * defaults to the sample-weighted mean.
 */
export interface FedAvgOptions extends StarCodecOptions, ServerRuleOptions {
  readonly localSteps: number;
  readonly lr: number;
  readonly batchSize: number;
}

const PHASE_BROADCAST = 0;
const PHASE_TRAIN = 1;
const PHASE_AGGREGATE = 2;

export function fedAvg(server: NodeId, workers: readonly NodeId[], opts: FedAvgOptions): Algorithm {
  checkStarCodecs('fedavg', opts);
  return {
    ...serverJob('fedavg', server, workers),
    phases: ['broadcast', 'train', 'aggregate'],
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new FedAvgServer(env, workers, opts) : new FedAvgWorker(env, server, workers, opts);
    },
  };
}

class FedAvgServer implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly global: Float32Array;
  private readonly sum: Float64Array;
  private readonly codecs: StarCodecs;
  private readonly log: Log;
  private readonly intake: UploadIntake;
  private readonly rule: AggregationRule;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], opts: FedAvgOptions) {
    this.spec = env.spec;
    this.rule = opts.aggregation ?? DEFAULT_AGGREGATION;
    this.global = Float32Array.from(env.initialParams);
    this.sum = new Float64Array(env.dim);
    this.codecs = StarCodecs.forServer(env, workers, opts);
    this.intake = new UploadIntake(env, this.codecs, opts.admission);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_AGGREGATE) return fromEveryWorker(this.workers, round, PHASE_TRAIN);
    return null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) return [encodeFor(this.env, this.codecs.broadcast(), this.global, this.workers)];
    this.aggregate(round, inbox);
    return [];
  }

  /** A delta is admitted when its codec is this link's, it decodes, it is finite and its norm is bounded by the model's. */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_TRAIN) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only train-phase updates` };
    return checkSamples(m) ?? this.intake.admit(m, deviationNorm(this.global, undefined));
  }

  /**
   * θ ← θ + Σ_k n_k Δ_k / Σ_k n_k over the deltas that arrived and decoded (or the configured
   * robust rule, `aggregation`). A step that would make θ non-finite is refused: the model
   * stays where it is and the round is logged as diverged, never broadcast.
   */
  private aggregate(round: number, inbox: readonly Inbound[]): void {
    const updates: Weighted[] = [];
    for (const m of inbox) {
      let delta: Float32Array;
      try {
        delta = this.intake.values(m);
      } catch (e) {
        this.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'update rejected');
        continue;
      }
      const n = m.meta?.['samples'];
      // A sample count is a positive integer below 2^32 (admission refuses anything else).
      updates.push({ values: delta, weight: n !== undefined && Number.isInteger(n) && n > 0 && n < 2 ** 32 ? n : 1 });
    }
    if (!aggregate(updates, this.rule, this.sum)) {
      this.log.warn({ round }, 'no usable update this round; global model unchanged');
      return;
    }
    for (let i = 0; i < this.global.length; i++) {
      if (!Number.isFinite(this.global[i]! + this.sum[i]!)) {
        this.log.error({ round, index: i }, 'aggregate step is not finite; global model unchanged');
        return;
      }
    }
    for (let i = 0; i < this.global.length; i++) this.global[i] = this.global[i]! + this.sum[i]!;
  }

  model(): Float32Array {
    return this.global;
  }

  snapshot(): Uint8Array {
    return packState(this.env, 'fedavg', { global: this.global, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, 'fedavg', bytes);
    this.global.set(floats(r, 'global', this.env.dim));
    this.codecs.restoreStates(r);
  }
}

class FedAvgWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private local: Float32Array;
  private readonly codecs: StarCodecs;
  private readonly learner: LocalLearner;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, workers: readonly NodeId[], private readonly opts: FedAvgOptions) {
    this.learner = workerLearner(env);
    this.spec = env.spec;
    this.local = Float32Array.from(env.initialParams);
    this.codecs = StarCodecs.forWorker(env, server, workers, opts);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    return phase === PHASE_TRAIN ? [{ from: this.server, round, phase: PHASE_BROADCAST }] : null;
  }

  async act(round: number, _phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    const global = receiveBroadcast(this.env, this.codecs, round, inbox[0]);
    if (!global) return [];
    const learner = this.learner;
    const { params, loss } = await learner.sgd(global, { steps: this.opts.localSteps, lr: this.opts.lr, batchSize: this.opts.batchSize });
    const delta = new Float32Array(params.length);
    for (let i = 0; i < delta.length; i++) delta[i] = params[i]! - global[i]!;
    this.local = params;
    // This round's setting for the uplink's payload budget (e.g. bits per coordinate).
    return [encodeFor(this.env, this.codecs.upload(this.spec.id), delta, [this.server], { samples: learner.samples, loss })];
  }

  model(): Float32Array {
    return this.local;
  }

  snapshot(): Uint8Array {
    return packState(this.env, 'fedavg', { local: this.local, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, 'fedavg', bytes);
    this.local = floats(r, 'local', this.env.dim);
    this.codecs.restoreStates(r);
  }
}
