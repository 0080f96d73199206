import { errorMessage, type Log } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { bool, floats, packState, sub, unpackState, type StateValue } from '../../contract/snapshot.js';
import { BudgetedCodec, type RoundBudgetOption } from '../../contract/budget-fit.js';
import { aggregate, deviationNorm, isPlainMean, DEFAULT_AGGREGATION, type AggregationRule } from '../../shared/aggregate.js';
import { UpdateAdmission } from '../../shared/admission.js';

/**
 * Stochastic ADMM under a parameter server (paper 001, local-SADMM): min Σ f_n(θ_n) +
 * β‖Θ‖₁ s.t. θ_n = Θ. Workers run local steps on the augmented Lagrangian and upload one
 * vector v_n = θ_n + λ_n/ρ; the server soft-thresholds their sum (eq. 13) and broadcasts Θ.
 *
 * - local-SADMM: T steps of eq. 11 from the global model, θ_{n,0} = Θ^k (Algorithm 1).
 * - STOC-ADMM: one step of eq. 9 from the worker's own θ_n^k with α = 1/(ρ + η), the baseline.
 * Equation numbers are the paper's. Θ⁰ is the job's seeded initial model, not 0: an MLP
 * started at 0 has no gradient through its ReLUs.
 */
export interface SadmmOptions extends RoundBudgetOption {
  /** where each round's local steps start: the global model (local-SADMM) or the worker's own θ (STOC-ADMM) */
  readonly start: 'global' | 'own';
  readonly localSteps: number;
  /** α */
  readonly lr: number;
  readonly batchSize: number;
  readonly rho: number;
  /** β, weight of the L1 regulariser applied at the server */
  readonly beta: number;
  readonly up: CodecSpec;
  readonly down: CodecSpec;
  /** how the server combines the v_n (default: their sum, eq. 13) */
  readonly aggregation?: AggregationRule;
  readonly admission?: { readonly maxNormRatio: number };
}

const PHASE_BROADCAST = 0;
const PHASE_TRAIN = 1;
const PHASE_AGGREGATE = 2;

export function sadmm(name: string, server: NodeId, workers: readonly NodeId[], opts: SadmmOptions): Algorithm {
  if (workers.length === 0) throw new AlgorithmError(`${name} needs at least one worker`, 'set fleet.devices ≥ 1');
  const nodes: NodeSpec[] = [{ id: server, role: 'server' }, ...workers.map((id) => ({ id, role: 'worker' as const }))];
  return {
    name,
    phases: ['broadcast', 'train', 'aggregate'],
    nodes,
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new SadmmServer(env, workers, opts) : new SadmmWorker(env, server, workers, opts);
    },
    evaluationModel(models) {
      const m = models.get(server);
      if (!m) throw new AlgorithmError(`no model recorded for server ${server}`);
      return m;
    },
  };
}

/** soft(a, β) = sign(a)·max(|a| − β, 0) */
function soft(a: number, beta: number): number {
  return a > beta ? a - beta : a < -beta ? a + beta : 0;
}

class SadmmServer implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly global: Float32Array;
  /**
   * The last v_n heard from each worker. A worker that misses a round's deadline keeps its
   * last θ_n and λ_n in the sum — the ADMM reading of a straggler — so v_n starts at Θ⁰
   * (θ_n⁰ = Θ⁰, λ_n⁰ = 0) and is replaced only by an update that decodes and is finite.
   */
  private readonly lastV: Map<NodeId, Float32Array>;
  private readonly down: BudgetedCodec;
  private readonly up: BudgetedCodec;
  private readonly log: Log;
  private readonly admission: UpdateAdmission;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: SadmmOptions) {
    this.spec = env.spec;
    this.admission = new UpdateAdmission(opts.admission?.maxNormRatio ?? 100);
    this.global = Float32Array.from(env.initialParams);
    this.lastV = new Map(workers.map((w) => [w, Float32Array.from(env.initialParams)]));
    // Codecs fitted to each link's per-round budget (a budget no setting meets fails here).
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget).check([env.spec.id], workers);
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget).check(workers, [env.spec.id]);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_AGGREGATE) return this.workers.map((from) => ({ from, round, phase: PHASE_TRAIN }));
    return null;
  }

  /** v_n is admitted when it is in the job's codec, decodes, is finite and its norm is bounded by Θ's. */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_TRAIN) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only train-phase updates` };
    // the codec this worker's budget implies, not the one the message claims
    const { c, state } = this.up.codecFor(m.from, [this.spec.id]);
    return this.admission.check(m, c.spec, () => c.decode(m.body, this.env.dim, state), deviationNorm(this.global, undefined));
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) {
      const { c, state } = this.down.codecFor(this.spec.id, this.workers);
      const enc = c.encode(this.global, state, this.env.rng);
      return [{ to: this.workers, codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits }];
    }
    for (const m of inbox) {
      try {
        const { c, state } = this.up.codecFor(m.from, [this.spec.id]);
        const v = c.decode(m.body, this.env.dim, state);
        if (!v.every(Number.isFinite)) throw new AlgorithmError('update has non-finite values');
        this.lastV.set(m.from, v);
      } catch (e) {
        this.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'update rejected; the worker\'s last update stays in the sum');
      }
    }
    this.aggregate();
    return [];
  }

  /** Θ_i = soft(ρ Σ_n v_{n,i}, β) / (ρN): eq. 6 with g = ‖·‖₁, i.e. eq. 13 (with the sign of the sum, not of |·|). */
  private aggregate(): void {
    const { rho, beta } = this.opts;
    const n = this.workers.length;
    const dim = this.env.dim;
    const sum = new Float64Array(dim);
    const rule = this.opts.aggregation ?? DEFAULT_AGGREGATION;
    if (isPlainMean(rule)) {
      for (const v of this.lastV.values()) for (let i = 0; i < dim; i++) sum[i]! += v[i]!;
    } else {
      // a robust rule replaces Σ_n v_n by N × the rule's centre of the v_n (clipped around Θ)
      aggregate([...this.lastV.values()].map((values) => ({ values, weight: 1 })), rule, sum, this.global);
      for (let i = 0; i < dim; i++) sum[i] = sum[i]! * n;
    }
    for (let i = 0; i < dim; i++) this.global[i] = soft(rho * sum[i]!, beta) / (rho * n);
  }

  model(): Float32Array {
    return this.global;
  }

  snapshot(): Uint8Array {
    const lastV: Record<string, StateValue> = {};
    for (const [w, v] of this.lastV) lastV[w] = v;
    return packState(this.env, this.opts.start, { global: this.global, lastV, down: this.down.states(), up: this.up.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.start, bytes);
    this.global.set(floats(r, 'global', this.env.dim));
    const lastV = sub(r, 'lastV');
    for (const w of this.workers) this.lastV.set(w, floats(lastV, w, this.env.dim));
    this.down.restoreStates(sub(r, 'down'));
    this.up.restoreStates(sub(r, 'up'));
  }
}

class SadmmWorker implements NodeMachine {
  readonly spec: NodeSpec;
  /** θ_n: the worker's primal iterate */
  private theta: Float32Array;
  /** λ_n: its dual variable */
  private readonly lambda: Float32Array;
  /** false until the worker has trained once (a restarted worker has no θ_n to update λ_n with) */
  private trained = false;
  private readonly down: BudgetedCodec;
  private readonly up: BudgetedCodec;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, private readonly workers: readonly NodeId[], private readonly opts: SadmmOptions) {
    if (!env.learner) throw new AlgorithmError(`worker ${env.spec.id} has no local learner`);
    this.spec = env.spec;
    this.theta = Float32Array.from(env.initialParams);
    this.lambda = new Float32Array(env.dim);
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget);
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget).check([env.spec.id], [server]);
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
    let global: Float32Array;
    try {
      const { c, state } = this.down.codecFor(this.server, this.workers);
      global = c.decode(msg.body, this.env.dim, state);
      if (!global.every(Number.isFinite)) throw new AlgorithmError('global model has non-finite values');
    } catch (e) {
      this.env.log.warn({ round, from: msg.from, reason: errorMessage(e) }, 'global model rejected; skipping this round');
      return [];
    }
    const { rho, lr, batchSize, localSteps } = this.opts;
    // Dual ascent with the new global model: λ_n^{k+1} = λ_n^k + ρ(θ_n^{k+1} − Θ^{k+1}) (eq. 7).
    if (this.trained) for (let i = 0; i < this.lambda.length; i++) this.lambda[i] = this.lambda[i]! + rho * (this.theta[i]! - global[i]!);
    // θ_{n,t+1} = θ_{n,t} − α(g_{n,t} + λ_n^k + ρ(θ_{n,t} − Θ^k)) with g the mini-batch gradient of eq. 12:
    // T steps from Θ^k (eq. 11), or one from θ_n^k with α = 1/(ρ + η) (STOC-ADMM, eq. 9).
    const from = this.opts.start === 'global' ? global : this.theta;
    const learner = this.env.learner!;
    const { params, loss } = await learner.admmStep(from, { steps: localSteps, lr, batchSize, anchor: global, dual: this.lambda, rho });
    this.theta = params;
    this.trained = true;
    // Upload v_n = θ_n^{k+1} + λ_n^k / ρ (Algorithm 1, line 10): the server needs only Σ v_n.
    const v = new Float32Array(params.length);
    for (let i = 0; i < v.length; i++) v[i] = params[i]! + this.lambda[i]! / rho;
    const { c, state } = this.up.codecFor(this.spec.id, [this.server]);
    const enc = c.encode(v, state, this.env.rng);
    return [{
      to: [this.server], codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits,
      meta: { samples: learner.samples, loss },
    }];
  }

  model(): Float32Array {
    return this.theta;
  }

  snapshot(): Uint8Array {
    return packState(this.env, this.opts.start, { theta: this.theta, lambda: this.lambda, trained: this.trained, down: this.down.states(), up: this.up.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.start, bytes);
    this.theta = floats(r, 'theta', this.env.dim);
    this.lambda.set(floats(r, 'lambda', this.env.dim));
    this.trained = bool(r, 'trained');
    this.down.restoreStates(sub(r, 'down'));
    this.up.restoreStates(sub(r, 'up'));
  }
}
