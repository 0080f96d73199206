import { errorMessage } from '@edgefl/core';
import { createCompressor, type CodecCompressor, type CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { codecState, floats, num, packState, restoreCodecState, sub, unpackState, type StateValue } from '../../contract/snapshot.js';
import { linearDim, normalEquations } from '../../shared/least-squares.js';

/**
 * Distributed gradient descent, the baselines of Q-GADMM's paper (000, Sec. V; ALGORITHMS.md
 * §1): the server broadcasts θ^k; each worker sends ∇f_n(θ^k) through the `up` codec
 * (float32 for GD, 2-bit uniform for QGD); the server steps θ^{k+1} = θ^k − α Σ_n ĝ_n.
 * For linear least squares f_n = ½‖X_nθ − y_n‖² (the ADMM experiments' normalisation) and the
 * gradient is X_nᵀX_nθ − X_nᵀy_n exactly; other models send the learner's full-shard gradient.
 * `lr: 'auto'` uses α = 1/Σ_n L_n, L_n = λ_max(X_nᵀX_n) reported by each worker (a safe
 * bound on the smoothness of Σ f_n).
 */
export interface GdOptions {
  readonly name: string;
  readonly lr: number | 'auto';
  readonly up: CodecSpec;
  readonly down: CodecSpec;
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
    createNode: (env) => (env.spec.role === 'server' ? new GdServer(env, workers, opts) : new GdWorker(env, server, opts)),
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
  private readonly up: CodecCompressor<unknown>;
  private readonly down: CodecCompressor<unknown>;
  private readonly upState: unknown;
  private readonly downState: unknown;
  private readonly smoothness = new Map<NodeId, number>();
  private step = NaN;

  constructor(private readonly env: NodeEnv, private readonly workers: readonly NodeId[], private readonly opts: GdOptions) {
    this.spec = env.spec;
    this.theta = Float32Array.from(env.initialParams);
    this.sum = new Float64Array(env.dim);
    this.up = createCompressor(opts.up);
    this.down = createCompressor(opts.down);
    this.upState = this.up.initState(env.dim);
    this.downState = this.down.initState(env.dim);
    if (opts.lr !== 'auto') this.step = opts.lr;
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_BROADCAST) return [];
    if (phase === PHASE_UPDATE) return this.workers.map((from) => ({ from, round, phase: PHASE_GRADIENT }));
    return null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === PHASE_BROADCAST) {
      const enc = this.down.encode(this.theta, this.downState, this.env.rng);
      return [{ to: this.workers, codec: this.down.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits }];
    }
    this.sum.fill(0);
    let used = 0;
    for (const m of inbox) {
      let g: Float32Array;
      try {
        g = this.up.decode(m.body, this.env.dim, this.upState);
      } catch (e) {
        this.env.log.warn({ round, from: m.from, reason: errorMessage(e) }, 'gradient rejected');
        continue;
      }
      const L = m.meta?.['smoothness'];
      if (L !== undefined && Number.isFinite(L) && L > 0 && L < 1e30) this.smoothness.set(m.from, L);
      for (let i = 0; i < g.length; i++) this.sum[i]! += g[i]!;
      used++;
    }
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
    return packState(this.env, this.opts.name, { theta: this.theta, step: this.step, smoothness, up: codecState(this.upState), down: codecState(this.downState) });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.name, bytes);
    this.theta.set(floats(r, 'theta', this.env.dim));
    this.step = num(r, 'step');
    const s = sub(r, 'smoothness');
    this.smoothness.clear();
    for (const w of this.workers) if (typeof s[w] === 'number') this.smoothness.set(w, s[w]);
    restoreCodecState(this.upState, r['up']);
    restoreCodecState(this.downState, r['down']);
  }
}

class GdWorker implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly up: CodecCompressor<unknown>;
  private readonly down: CodecCompressor<unknown>;
  private readonly upState: unknown;
  private readonly downState: unknown;
  private local: Float32Array;
  private readonly exact: { g: Float64Array; h: Float64Array; L: number } | null;

  private readonly name: string;

  constructor(private readonly env: NodeEnv, private readonly server: NodeId, opts: GdOptions) {
    this.spec = env.spec;
    this.name = opts.name;
    this.up = createCompressor(opts.up);
    this.down = createCompressor(opts.down);
    this.upState = this.up.initState(env.dim);
    this.downState = this.down.initState(env.dim);
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
      theta = this.down.decode(msg.body, this.env.dim, this.downState);
    } catch (e) {
      this.env.log.warn({ round, reason: errorMessage(e) }, 'model rejected; skipping this round');
      return [];
    }
    this.local = theta;
    const grad = this.exact ? this.exactGradient(theta) : (await this.env.learner!.gradient(theta, { batchSize: 'full' })).grad;
    const enc = this.up.encode(grad, this.upState, this.env.rng);
    return [{
      to: [this.server], codec: this.up.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits,
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
    return packState(this.env, this.name, { local: this.local, up: codecState(this.upState), down: codecState(this.downState) });
  }

  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.name, bytes);
    this.local = floats(r, 'local', this.env.dim);
    restoreCodecState(this.upState, r['up']);
    restoreCodecState(this.downState, r['down']);
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
