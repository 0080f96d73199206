import { errorMessage } from '@edgefl/core';
import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound, Refusal } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { floats, num, packState, sub, unpackState, type StateValue } from '../../contract/snapshot.js';
import { BudgetedCodec, type RoundBudgetOption } from '../../contract/budget-fit.js';
import { aggregate, isPlainMean, DEFAULT_AGGREGATION, type AggregationRule, type Weighted } from '../../shared/aggregate.js';
import { UpdateAdmission } from '../../shared/admission.js';
import { linearDim, normalEquations } from '../../shared/least-squares.js';

/**
 * Distributed gradient descent, the baselines of Q-GADMM's paper (000, Sec. V): the
 * server broadcasts θ^k; each worker sends ∇f_n(θ^k) through the `up` codec
 * (float32 for GD, 2-bit uniform for QGD); the server steps θ^{k+1} = θ^k − α Σ_n ĝ_n.
 * For linear least squares f_n = ½‖X_nθ − y_n‖² (the ADMM experiments' normalisation) and the
 * gradient is X_nᵀX_nθ − X_nᵀy_n exactly; other models send the learner's full-shard gradient.
 * `lr: 'auto'` uses α = 1/Σ_n L_n, L_n = λ_max(X_nᵀX_n) reported by each worker (a safe
 * bound on the smoothness of Σ f_n).
 */
export interface GdOptions extends RoundBudgetOption {
  readonly name: string;
  readonly lr: number | 'auto';
  readonly up: CodecSpec;
  readonly down: CodecSpec;
  /** how the server combines the gradients (default: their sum, Σ_n ĝ_n) */
  readonly aggregation?: AggregationRule;
  readonly admission?: { readonly maxNormRatio: number };
}

const PHASE_BROADCAST = 0;
const PHASE_GRADIENT = 1;
const PHASE_UPDATE = 2;

export function gd(server: NodeId, workers: readonly NodeId[], opts: GdOptions): Algorithm {
  if (workers.length === 0) throw new AlgorithmError(`${opts.name} needs at least one worker`, 'set fleet.devices ≥ 1');
  const nodes: NodeSpec[] = [{ id: server, role: 'server' }, ...workers.map((id) => ({ id, role: 'worker' as const }))];
  return {
    name: opts.name,
    phases: ['broadcast', 'gradient', 'update'],
    nodes,
    createNode: (env) => (env.spec.role === 'server' ? new GdServer(env, workers, opts) : new GdWorker(env, server, workers, opts)),
    evaluationModel(models) {
      const m = models.get(server);
      if (!m) throw new AlgorithmError(`no model recorded for server ${server}`);
      return m;
    },
  };
}

class GdServer implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly theta: Float32Array;
  private readonly sum: Float64Array;
  private readonly up: BudgetedCodec;
  private readonly down: BudgetedCodec;
  private readonly smoothness = new Map<NodeId, number>();
  private step = NaN;
  private readonly admission: UpdateAdmission;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: GdOptions) {
    this.spec = env.spec;
    this.admission = new UpdateAdmission(opts.admission?.maxNormRatio ?? 100);
    this.theta = Float32Array.from(env.initialParams);
    this.sum = new Float64Array(env.dim);
    // Codecs fitted to each link's per-round budget (a budget no setting meets fails here).
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget).check(workers, [env.spec.id]);
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget).check([env.spec.id], workers);
    if (opts.lr !== 'auto') this.step = opts.lr;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_UPDATE) return this.workers.map((from) => ({ from, round, phase: PHASE_GRADIENT }));
    return null;
  }

  /**
   * A gradient is admitted when it is in the job's codec, decodes and is finite, and its norm
   * is within maxNormRatio × the median of recently admitted gradients (the model's norm says
   * nothing of a gradient's scale, so it is not a bound here).
   */
  admit(m: Inbound): Refusal | null {
    if (m.phase !== PHASE_GRADIENT) return { reason: 'envelope', detail: `phase ${m.phase}: the server receives only gradients` };
    // the codec this worker's budget implies, not the one the message claims
    const { c, state } = this.up.codecFor(m.from, [this.spec.id]);
    return this.admission.check(m, c.spec, () => c.decode(m.body, this.env.dim, state), 0);
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) {
      const { c, state } = this.down.codecFor(this.spec.id, this.workers);
      const enc = c.encode(this.theta, state, this.env.rng);
      return [{ to: this.workers, codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits }];
    }
    this.sum.fill(0);
    let used = 0;
    const rule = this.opts.aggregation ?? DEFAULT_AGGREGATION;
    const robust: Weighted[] = [];
    for (const m of inbox) {
      let g: Float32Array;
      try {
        const { c, state } = this.up.codecFor(m.from, [this.spec.id]);
        g = c.decode(m.body, this.env.dim, state);
      } catch (e) {
        this.env.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'gradient rejected');
        continue;
      }
      const L = m.meta?.['smoothness'];
      if (L !== undefined && Number.isFinite(L) && L > 0 && L < 1e30) this.smoothness.set(m.from, L);
      if (isPlainMean(rule)) for (let i = 0; i < g.length; i++) this.sum[i]! += g[i]!;
      else robust.push({ values: g, weight: 1 });
      used++;
    }
    // a robust rule replaces Σ_n ĝ_n by (number of gradients) × the rule's centre of them
    if (robust.length > 0 && aggregate(robust, rule, this.sum)) for (let i = 0; i < this.sum.length; i++) this.sum[i] = this.sum[i]! * used;
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
    return packState(this.env, this.opts.name, { theta: this.theta, step: this.step, smoothness, up: this.up.states(), down: this.down.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.name, bytes);
    this.theta.set(floats(r, 'theta', this.env.dim));
    this.step = num(r, 'step');
    const s = sub(r, 'smoothness');
    this.smoothness.clear();
    for (const w of this.workers) if (typeof s[w] === 'number') this.smoothness.set(w, s[w]);
    this.up.restoreStates(sub(r, 'up'));
    this.down.restoreStates(sub(r, 'down'));
  }
}

class GdWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly up: BudgetedCodec;
  private readonly down: BudgetedCodec;
  private local: Float32Array;
  private readonly exact: { g: Float64Array; h: Float64Array; L: number } | null;

  private readonly name: string;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, private readonly workers: readonly NodeId[], opts: GdOptions) {
    this.spec = env.spec;
    this.name = opts.name;
    this.up = new BudgetedCodec(opts.up, env.dim, opts.roundBudget).check([env.spec.id], [server]);
    this.down = new BudgetedCodec(opts.down, env.dim, opts.roundBudget);
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
    const msg = inbox[0];
    if (!msg) return [];
    let theta: Float32Array;
    try {
      const { c, state } = this.down.codecFor(this.server, this.workers);
      theta = c.decode(msg.body, this.env.dim, state);
    } catch (e) {
      this.env.log.warn({ round, reason: errorMessage(e) }, 'model rejected; skipping this round');
      return [];
    }
    this.local = theta;
    const grad = this.exact ? this.exactGradient(theta) : (await this.env.learner!.gradient(theta, { batchSize: 'full' })).grad;
    const { c, state } = this.up.codecFor(this.spec.id, [this.server]);
    const enc = c.encode(grad, state, this.env.rng);
    return [{
      to: [this.server], codec: c.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits,
      ...(this.exact ? { meta: { smoothness: this.exact.L } } : {}),
    }];
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
    return packState(this.env, this.name, { local: this.local, up: this.up.states(), down: this.down.states() });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.name, bytes);
    this.local = floats(r, 'local', this.env.dim);
    this.up.restoreStates(sub(r, 'up'));
    this.down.restoreStates(sub(r, 'down'));
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
