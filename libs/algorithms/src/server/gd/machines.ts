import { errorMessage } from '@edgefl/core';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { floats, num, packState, sub, unpackState, type StateValue } from '../../contract/snapshot.js';
import { RobustSum, DEFAULT_AGGREGATION } from '../../shared/aggregate.js';
import { UploadIntake } from '../../shared/admission.js';
import { StarCodecs, checkStarCodecs, encodeFor, fromEveryWorker, receiveBroadcast, serverJob, type ServerRuleOptions, type StarCodecOptions } from '../../shared/server.js';
import { linearDim, normalEquations } from '../../shared/least-squares.js';

/**
 * Distributed gradient descent, the baselines of Q-GADMM's paper (000, Sec. V): the
 * server broadcasts θ^k; each worker sends ∇f_n(θ^k) through the `up` codec
 * (float32 for GD, 2-bit uniform for QGD); the server steps θ^{k+1} = θ^k − α Σ_n ĝ_n.
 * For linear least squares f_n = ½‖X_nθ − y_n‖² (the ADMM experiments' normalisation) and the
 * gradient is X_nᵀX_nθ − X_nᵀy_n exactly; other models send the learner's full-shard gradient.
 * `lr: 'auto'` uses α = 1/Σ_n L_n, L_n = λ_max(X_nᵀX_n) reported by each worker (a safe
 * bound on the smoothness of Σ f_n). `aggregation` defaults to the sum Σ_n ĝ_n.
 */
export interface GdOptions extends StarCodecOptions, ServerRuleOptions {
  readonly name: string;
  readonly lr: number | 'auto';
}

const PHASE_BROADCAST = 0;
const PHASE_GRADIENT = 1;
const PHASE_UPDATE = 2;

export function gd(server: NodeId, workers: readonly NodeId[], opts: GdOptions): Algorithm {
  checkStarCodecs(opts.name, opts);
  return {
    ...serverJob(opts.name, server, workers),
    phases: ['broadcast', 'gradient', 'update'],
    createNode: (env) => (env.spec.role === 'server' ? new GdServer(env, workers, opts) : new GdWorker(env, server, workers, opts)),
  };
}

class GdServer implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly theta: Float32Array;
  private readonly sum: Float64Array;
  private readonly codecs: StarCodecs;
  private readonly smoothness = new Map<NodeId, number>();
  private step = NaN;
  private readonly intake: UploadIntake;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: GdOptions) {
    this.spec = env.spec;
    this.theta = Float32Array.from(env.initialParams);
    this.sum = new Float64Array(env.dim);
    this.codecs = StarCodecs.forServer(env, workers, opts);
    this.intake = new UploadIntake(env, this.codecs, opts.admission);
    if (opts.lr !== 'auto') this.step = opts.lr;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_UPDATE) return fromEveryWorker(this.workers, round, PHASE_GRADIENT);
    return null;
  }

  /**
   * A gradient is admitted when it is in the job's codec, decodes and is finite, and its norm
   * is within maxNormRatio × the median of recently admitted gradients (the model's norm says
   * nothing of a gradient's scale, so it is not a bound here).
   */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_GRADIENT) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only gradients` };
    return this.intake.admit(m, 0);
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) return [encodeFor(this.env, this.codecs.broadcast(), this.theta, this.workers)];
    // Σ_n ĝ_n, or under a robust rule (number of gradients) × the rule's centre of them
    const sum = new RobustSum(this.opts.aggregation ?? DEFAULT_AGGREGATION, this.sum);
    for (const m of inbox) {
      let g: Float32Array;
      try {
        g = this.intake.values(m);
      } catch (e) {
        this.env.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'gradient rejected');
        continue;
      }
      const L = m.meta?.['smoothness'];
      if (L !== undefined && Number.isFinite(L) && L > 0 && L < 1e30) this.smoothness.set(m.from, L);
      sum.add(g);
    }
    const used = sum.finish();
    if (this.opts.lr === 'auto' && !(this.step > 0)) {
      if (this.smoothness.size < this.workers.length) {
        this.env.log.warn({ round }, 'not every worker reported its smoothness yet; holding the model');
        return [];
      }
      let total = 0;
      for (const v of this.smoothness.values()) total += v;
      this.step = 1 / total;
    }
    if (used === 0) return [];
    // θ^{k+1} = θ^k − α Σ_n ĝ_n (full-batch gradient descent on Σ f_n)
    for (let i = 0; i < this.theta.length; i++) this.theta[i] = this.theta[i]! - this.step * this.sum[i]!;
    return [];
  }

  model(): Float32Array {
    return this.theta;
  }

  snapshot(): Uint8Array {
    const smoothness: Record<string, StateValue> = {};
    for (const [w, L] of this.smoothness) smoothness[w] = L;
    return packState(this.env, this.opts.name, { theta: this.theta, step: this.step, smoothness, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.name, bytes);
    this.theta.set(floats(r, 'theta', this.env.dim));
    this.step = num(r, 'step');
    const s = sub(r, 'smoothness');
    this.smoothness.clear();
    for (const w of this.workers) if (typeof s[w] === 'number') this.smoothness.set(w, s[w]);
    this.codecs.restoreStates(r);
  }
}

class GdWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly codecs: StarCodecs;
  private local: Float32Array;
  private readonly exact: { g: Float64Array; h: Float64Array; L: number } | null;

  private readonly name: string;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, workers: readonly NodeId[], opts: GdOptions) {
    this.spec = env.spec;
    this.name = opts.name;
    this.codecs = StarCodecs.forWorker(env, server, workers, opts);
    this.local = Float32Array.from(env.initialParams);
    const data = env.data;
    if (data && data.classes === 0 && linearDim(data) === env.dim) {
      const ne = normalEquations(data);
      this.exact = { ...ne, L: largestEigenvalue(ne.g, env.dim) };
    } else {
      if (!env.learner) throw new AlgorithmError(`worker ${env.spec.id} has no local learner`);
      if (opts.lr === 'auto') throw new AlgorithmError(`${opts.name}: lr 'auto' needs linear least squares`, 'give lr a number for other models');
      this.exact = null;
    }
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    return phase === PHASE_GRADIENT ? [{ from: this.server, round, phase: PHASE_BROADCAST }] : null;
  }

  async act(round: number, _phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    const theta = receiveBroadcast(this.env, this.codecs, round, inbox[0]);
    if (!theta) return [];
    this.local = theta;
    const grad = this.exact ? this.exactGradient(theta) : (await this.env.learner!.gradient(theta, { batchSize: 'full' })).grad;
    return [encodeFor(this.env, this.codecs.upload(this.spec.id), grad, [this.server], this.exact ? { smoothness: this.exact.L } : undefined)];
  }

  /** ∇f_n(θ) = X_nᵀX_nθ − X_nᵀy_n */
  private exactGradient(theta: Float32Array): Float32Array {
    const { g, h } = this.exact!;
    const d = this.env.dim;
    const out = new Float32Array(d);
    for (let i = 0; i < d; i++) {
      let s = -h[i]!;
      for (let j = 0; j < d; j++) s += g[i * d + j]! * theta[j]!;
      out[i] = s;
    }
    return out;
  }

  model(): Float32Array {
    return this.local;
  }

  snapshot(): Uint8Array {
    return packState(this.env, this.name, { local: this.local, ...this.codecs.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.name, bytes);
    this.local = floats(r, 'local', this.env.dim);
    this.codecs.restoreStates(r);
  }
}

/** λ_max of a symmetric PSD matrix by power iteration (relative change < 1e−10 or 10 000 steps). */
function largestEigenvalue(a: Float64Array, d: number): number {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lambda = 0;
  for (let it = 0; it < 10_000; it++) {
    const w = new Float64Array(d);
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += a[i * d + j]! * v[j]!; w[i] = s; }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += w[i]! ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) return 0;
    for (let i = 0; i < d; i++) w[i] = w[i]! / norm;
    const done = Math.abs(norm - lambda) <= 1e-10 * norm;
    lambda = norm;
    v = w;
    if (done) break;
  }
  return lambda;
}
