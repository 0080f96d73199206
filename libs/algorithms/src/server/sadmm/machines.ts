import { errorMessage, type Log } from '@edgefl/core';
import type { Algorithm, Inbound, LocalLearner, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { bool, floats, packState, sub, unpackState, type StateValue } from '../../contract/snapshot.js';
import { RobustSum, deviationNorm, DEFAULT_AGGREGATION } from '../../shared/aggregate.js';
import { UploadIntake } from '../../shared/admission.js';
import { StarCodecs, checkStarCodecs, encodeFor, fromEveryWorker, receiveBroadcast, serverJob, workerLearner, type ServerRuleOptions, type StarCodecOptions } from '../../shared/server.js';

/**
 * Stochastic ADMM under a parameter server (paper 001, local-SADMM): min Σ f_n(θ_n) +
 * β‖Θ‖₁ s.t. θ_n = Θ. Workers run local steps on the augmented Lagrangian and upload one
 * vector v_n = θ_n + λ_n/ρ; the server soft-thresholds their sum (eq. 13) and broadcasts Θ.
 *
 * - local-SADMM: T steps of eq. 11 from the global model, θ_{n,0} = Θ^k (Algorithm 1).
 * - STOC-ADMM: one step of eq. 9 from the worker's own θ_n^k with α = 1/(ρ + η), the baseline.
 * Equation numbers are the paper's. Θ⁰ is the job's seeded initial model, not 0: an MLP
 * started at 0 has no gradient through its ReLUs. `aggregation` defaults to the sum of eq. 13.
 */
export interface SadmmOptions extends StarCodecOptions, ServerRuleOptions {
  /** where each round's local steps start: the global model (local-SADMM) or the worker's own θ (STOC-ADMM) */
  readonly start: 'global' | 'own';
  readonly localSteps: number;
  /** α */
  readonly lr: number;
  readonly batchSize: number;
  readonly rho: number;
  /** β, weight of the L1 regulariser applied at the server */
  readonly beta: number;
}

const PHASE_BROADCAST = 0;
const PHASE_TRAIN = 1;
const PHASE_AGGREGATE = 2;

export function sadmm(name: string, server: NodeId, workers: readonly NodeId[], opts: SadmmOptions): Algorithm {
  checkStarCodecs(name, opts);
  return {
    ...serverJob(name, server, workers),
    phases: ['broadcast', 'train', 'aggregate'],
    createNode(env: NodeEnv): NodeMachine {
      return env.spec.role === 'server' ? new SadmmServer(env, workers, opts) : new SadmmWorker(env, server, workers, opts);
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
  private readonly codecs: StarCodecs;
  private readonly log: Log;
  private readonly intake: UploadIntake;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: SadmmOptions) {
    this.spec = env.spec;
    this.global = Float32Array.from(env.initialParams);
    this.lastV = new Map(workers.map((w) => [w, Float32Array.from(env.initialParams)]));
    this.codecs = StarCodecs.forServer(env, workers, opts);
    this.intake = new UploadIntake(env, this.codecs, opts.admission);
    this.log = env.log;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_AGGREGATE) return fromEveryWorker(this.workers, round, PHASE_TRAIN);
    return null;
  }

  /** v_n is admitted when it is in the job's codec, decodes, is finite and its norm is bounded by Θ's. */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_TRAIN) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only train-phase updates` };
    return this.intake.admit(m, deviationNorm(this.global, undefined));
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) return [encodeFor(this.env, this.codecs.broadcast(), this.global, this.workers)];
    for (const m of inbox) {
      try {
        const v = this.intake.values(m);
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
    // Σ_n v_n, or under a robust rule N × the rule's centre of the v_n (clipped around Θ)
    const summed = new RobustSum(this.opts.aggregation ?? DEFAULT_AGGREGATION, sum, this.global);
    for (const v of this.lastV.values()) summed.add(v);
    summed.finish();
    for (let i = 0; i < dim; i++) this.global[i] = soft(rho * sum[i]!, beta) / (rho * n);
  }

  model(): Float32Array {
    return this.global;
  }

  snapshot(): Uint8Array {
    const lastV: Record<string, StateValue> = {};
    for (const [w, v] of this.lastV) lastV[w] = v;
    return packState(this.env, this.opts.start, { global: this.global, lastV, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.start, bytes);
    this.global.set(floats(r, 'global', this.env.dim));
    const lastV = sub(r, 'lastV');
    for (const w of this.workers) this.lastV.set(w, floats(lastV, w, this.env.dim));
    this.codecs.restoreStates(r);
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
  private readonly codecs: StarCodecs;
  private readonly learner: LocalLearner;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, workers: readonly NodeId[], private readonly opts: SadmmOptions) {
    this.learner = workerLearner(env);
    this.spec = env.spec;
    this.theta = Float32Array.from(env.initialParams);
    this.lambda = new Float32Array(env.dim);
    this.codecs = StarCodecs.forWorker(env, server, workers, opts);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    return phase === PHASE_TRAIN ? [{ from: this.server, round, phase: PHASE_BROADCAST }] : null;
  }

  async act(round: number, _phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    const global = receiveBroadcast(this.env, this.codecs, round, inbox[0]);
    if (!global) return [];
    const { rho, lr, batchSize, localSteps } = this.opts;
    // Dual ascent with the new global model: λ_n^{k+1} = λ_n^k + ρ(θ_n^{k+1} − Θ^{k+1}) (eq. 7).
    if (this.trained) for (let i = 0; i < this.lambda.length; i++) this.lambda[i] = this.lambda[i]! + rho * (this.theta[i]! - global[i]!);
    // θ_{n,t+1} = θ_{n,t} − α(g_{n,t} + λ_n^k + ρ(θ_{n,t} − Θ^k)) with g the mini-batch gradient of eq. 12:
    // T steps from Θ^k (eq. 11), or one from θ_n^k with α = 1/(ρ + η) (STOC-ADMM, eq. 9).
    const from = this.opts.start === 'global' ? global : this.theta;
    const learner = this.learner;
    const { params, loss } = await learner.admmStep(from, { steps: localSteps, lr, batchSize, anchor: global, dual: this.lambda, rho });
    this.theta = params;
    this.trained = true;
    // Upload v_n = θ_n^{k+1} + λ_n^k / ρ (Algorithm 1, line 10): the server needs only Σ v_n.
    const v = new Float32Array(params.length);
    for (let i = 0; i < v.length; i++) v[i] = params[i]! + this.lambda[i]! / rho;
    return [encodeFor(this.env, this.codecs.upload(this.spec.id), v, [this.server], { samples: learner.samples, loss })];
  }

  model(): Float32Array {
    return this.theta;
  }

  snapshot(): Uint8Array {
    return packState(this.env, this.opts.start, { theta: this.theta, lambda: this.lambda, trained: this.trained, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.start, bytes);
    this.theta = floats(r, 'theta', this.env.dim);
    this.lambda.set(floats(r, 'lambda', this.env.dim));
    this.trained = bool(r, 'trained');
    this.codecs.restoreStates(r);
  }
}
