import { errorMessage, type Log } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal, RoundBudget } from '../../contract/types.js';
import { aggregate, deviationNorm, DEFAULT_AGGREGATION, type AggregationRule, type Weighted } from '../../shared/aggregate.js';
import { UpdateAdmission, checkSamples } from '../../shared/admission.js';
import { BudgetedCodec } from '../../contract/budget-fit.js';
import { AlgorithmError } from '../../contract/errors.js';
import { floats, packState, sub, unpackState } from '../../contract/snapshot.js';

/**
 * FedAvg (McMahan et al., 2017): the server broadcasts the global model, each worker runs
 * `localSteps` mini-batch SGD steps on its shard and uploads its compressed model delta,
 * the server adds the sample-weighted average delta (McMahan et al. 2017).
 * Uploading deltas rather than weights keeps quantization error proportional to the
 * update, not to the model.
 */
export interface FedAvgOptions {
  readonly localSteps: number;
  readonly lr: number;
  readonly batchSize: number;
  /** codec of worker → server deltas */
  readonly up: CodecSpec;
  /** codec of the server → workers model broadcast */
  readonly down: CodecSpec;
  /** per-round payload budgets: each round's codec setting is fitted to its link's budget */
  readonly roundBudget?: RoundBudget;
  /** how the server combines the deltas (default: the sample-weighted mean) */
  readonly aggregation?: AggregationRule;
  /** an update's norm bound relative to the model (default 100) */
  readonly admission?: { readonly maxNormRatio: number };
}

const PHASE_BROADCAST = 0;
const PHASE_TRAIN = 1;
const PHASE_AGGREGATE = 2;

export function fedAvg(server: NodeId, workers: readonly NodeId[], opts: FedAvgOptions): Algorithm {
  if (workers.length === 0) throw new AlgorithmError('FedAvg needs at least one worker', 'set fleet.devices ≥ 1');
  const nodes: NodeSpec[] = [{ id: server, role: 'server' }, ...workers.map((id) => ({ id, role: 'worker' as const }))];
  return {
    name: 'fedavg',
    phases: ['broadcast', 'train', 'aggregate'],
    nodes,
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new FedAvgServer(env, workers, opts) : new FedAvgWorker(env, server, workers, opts);
    },
    evaluationModel(models) {
      const m = models.get(server);
      if (!m) throw new AlgorithmError(`no model recorded for server ${server}`);
      return m;
    },
  };
}

class FedAvgServer implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly global: Float32Array;
  private readonly sum: Float64Array;
  private readonly down: BudgetedCodec;
  private readonly up: BudgetedCodec;
  private readonly log: Log;
  private readonly admission: UpdateAdmission;
  private readonly rule: AggregationRule;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], opts: FedAvgOptions) {
    this.admission = new UpdateAdmission(opts.admission?.maxNormRatio ?? 100);
    this.rule = opts.aggregation ?? DEFAULT_AGGREGATION;
    this.spec = env.spec;
    this.global = Float32Array.from(env.initialParams);
    this.sum = new Float64Array(env.dim);
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget);
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget);
    // A budget no codec setting meets fails here, at job start, naming the minimum.
    this.down.fit(env.spec.id, workers);
    for (const w of workers) this.up.fit(w, [env.spec.id]);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_AGGREGATE) return this.workers.map((from) => ({ from, round, phase: PHASE_TRAIN }));
    return null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) {
      const { c, state } = this.down.compressor(this.down.fit(this.spec.id, this.workers).spec);
      const enc = c.encode(this.global, state, this.env.rng);
      return [{ to: this.workers, codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits }];
    }
    this.aggregate(round, inbox);
    return [];
  }

  /** A delta is admitted when its codec is this link's, it decodes, it is finite and its norm is bounded by the model's. */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_TRAIN) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only train-phase updates` };
    const samples = checkSamples(m);
    if (samples) return samples;
    // The codec this worker's budget implies for that round, not the one the message claims.
    const { c, state } = this.up.compressor(this.up.fit(m.from, [this.spec.id]).spec);
    return this.admission.check(m, c.spec, () => c.decode(m.body, this.env.dim, state), deviationNorm(this.global, undefined));
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
        const { c, state } = this.up.compressor(this.up.fit(m.from, [this.spec.id]).spec);
        delta = c.decode(m.body, this.env.dim, state);
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
    return packState(this.env, 'fedavg', { global: this.global, down: this.down.states(), up: this.up.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, 'fedavg', bytes);
    this.global.set(floats(r, 'global', this.env.dim));
    this.down.restoreStates(sub(r, 'down'));
    this.up.restoreStates(sub(r, 'up'));
  }
}

class FedAvgWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private local: Float32Array;
  private readonly down: BudgetedCodec;
  private readonly up: BudgetedCodec;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, private readonly workers: readonly NodeId[], private readonly opts: FedAvgOptions) {
    if (!env.learner) throw new AlgorithmError(`worker ${env.spec.id} has no local learner`);
    this.spec = env.spec;
    this.local = Float32Array.from(env.initialParams);
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget);
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget);
    this.up.fit(env.spec.id, [server]);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    return phase === PHASE_TRAIN ? [{ from: this.server, round, phase: PHASE_BROADCAST }] : null;
  }

  async act(round: number, _phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    const msg = inbox[0];
    if (!msg) {
      this.env.log.warn({ round }, 'no global model arrived before the deadline; skipping this round');
      return [];
    }
    // The broadcast is network input: a body its codec cannot decode skips the round, as a
    // missing one does, instead of ending the node.
    let global: Float32Array;
    try {
      const { c, state } = this.down.compressor(this.down.fit(this.server, this.workers).spec);
      global = c.decode(msg.body, this.env.dim, state);
    } catch (e) {
      this.env.log.warn({ round, from: msg.from, reason: errorMessage(e) }, 'global model rejected; skipping this round');
      return [];
    }
    const learner = this.env.learner!;
    const { params, loss } = await learner.sgd(global, { steps: this.opts.localSteps, lr: this.opts.lr, batchSize: this.opts.batchSize });
    const delta = new Float32Array(params.length);
    for (let i = 0; i < delta.length; i++) delta[i] = params[i]! - global[i]!;
    this.local = params;
    // This round's setting for the uplink's payload budget (e.g. bits per coordinate).
    const { c, state } = this.up.compressor(this.up.fit(this.spec.id, [this.server]).spec);
    const enc = c.encode(delta, state, this.env.rng);
    return [{
      to: [this.server], codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits,
      meta: { samples: learner.samples, loss },
    }];
  }

  model(): Float32Array {
    return this.local;
  }

  snapshot(): Uint8Array {
    return packState(this.env, 'fedavg', { local: this.local, down: this.down.states(), up: this.up.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, 'fedavg', bytes);
    this.local = floats(r, 'local', this.env.dim);
    this.down.restoreStates(sub(r, 'down'));
    this.up.restoreStates(sub(r, 'up'));
  }
}
