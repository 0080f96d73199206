import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import type { RoundBudgetOption } from '../../contract/budget-fit.js';
import { consensusError, keyframesSent, networkAverage } from '../../shared/consensus.js';
import { PeerChannels } from '../../shared/channel.js';
import { floats, num, packState, sub, unpackState } from '../../contract/snapshot.js';
import { cholesky, choleskySolve, linearDim, normalEquations } from '../../shared/least-squares.js';
import { bipartition, buildTopology, peerSenders, type Topology, type TopologySpec } from '../../topology/index.js';

/**
 * Group ADMM on a bipartite graph (Elgabli et al., GADMM and Q-GADMM, paper 000;
 * paper 000, Q-GADMM). Heads (colour 0; on a chain nodes 1, 3, 5, …) and tails alternate;
 * each edge e = (a, b), a < b in device order, carries the constraint θ_a = θ_b and its
 * dual λ_e, kept identically by both ends. One round = three phases:
 *   heads  — heads solve their local argmin and send θ̂ to their tails (one transmission);
 *   tails  — tails solve with the heads' fresh θ̂, send θ̂ to their heads, update λ;
 *   duals  — heads receive the tails' θ̂ and update λ.
 * With the `qgadmm` codec θ̂ is the stochastically quantized model (Q-GADMM); with
 * `float32` θ̂ = θ (GADMM).
 */
export interface GadmmOptions extends RoundBudgetOption {
  readonly name: string;
  readonly rho: number;
  /** codec of every peer transmission */
  readonly codec: CodecSpec;
  /** `exact`: closed-form solve for linear least squares; `steps`: T augmented-Lagrangian steps; `auto`: exact when the node's shard is a regression set for the linear model */
  readonly solver: 'auto' | 'exact' | 'steps';
  readonly localSteps: number;
  readonly lr: number;
  readonly batchSize: number;
}

const PHASE_HEADS = 0;
const PHASE_TAILS = 1;
const PHASE_DUALS = 2;

export function gadmm(devices: readonly NodeId[], topologySpec: TopologySpec | undefined, opts: GadmmOptions): Algorithm {
  const topology = buildTopology(topologySpec ?? { kind: 'chain' }, devices);
  const colour = bipartition(topology);
  const nodes: NodeSpec[] = devices.map((id) => ({ id, role: 'peer' as const }));
  const senders = peerSenders(topology);
  return {
    name: opts.name,
    phases: ['heads', 'tails', 'duals'],
    nodes,
    senders,
    createNode: (env) => new GadmmNode(env, topology, colour, senders, opts),
    // the consensus estimate: the mean of the workers' models (all equal at convergence)
    evaluationModel: networkAverage,
    roundMetrics: (_round, models, metrics) => ({ consensusError: consensusError(models), keyframes: keyframesSent(metrics) }),
  };
}

class GadmmNode implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly index: number;
  private readonly isHead: boolean;
  private readonly neigh: readonly NodeId[];
  /** +1 when this node is `a` of edge (a, b), a < b (the constraint θ_a = θ_b), else −1 */
  private readonly sign: readonly number[];
  /** λ_e per neighbour, float32 so that both ends (and a keyframe) hold it bit for bit */
  private readonly lambda: Float32Array[];
  private theta: Float32Array;
  private readonly links: PeerChannels;
  private readonly exact: { readonly l: Float64Array; readonly h: Float64Array } | null;
  private readonly rhs: Float64Array;
  private readonly sol: Float64Array;
  private lastRound = 0;
  /** restarted mid-job: its duals are unknown until a neighbour's keyframe brings them */
  private fresh = false;

  constructor(private readonly env: NodeEnv, private readonly topology: Topology, colour: Uint8Array, private readonly sendersOf: (id: NodeId) => readonly NodeId[], private readonly opts: GadmmOptions) {
    this.spec = env.spec;
    this.index = topology.nodes.indexOf(env.spec.id);
    if (this.index < 0) throw new AlgorithmError(`peer ${env.spec.id} is not in the topology`);
    this.isHead = colour[this.index] === 0;
    const adj = topology.adjacency[this.index]!;
    this.neigh = adj.map((j) => topology.nodes[j]!);
    this.sign = adj.map((j) => (this.index < j ? 1 : -1));
    this.lambda = adj.map(() => new Float32Array(env.dim));
    this.theta = Float32Array.from(env.initialParams);
    this.links = new PeerChannels({ self: env.spec.id, senders: this.neigh, sendersOf: this.sendersOf, codec: opts.codec, dim: env.dim, log: env.log, roundBudget: opts.roundBudget });
    this.exact = this.exactSolver();
    this.rhs = new Float64Array(env.dim);
    this.sol = new Float64Array(env.dim);
    if ((env.startRound ?? 1) > 1) this.restarted(env.startRound!);
  }

  /**
   * The closed-form local solve of linear least squares f_n = ½‖X_nθ − y_n‖²:
   * (X_nᵀX_n + ρ·deg·I) θ = X_nᵀy_n − Σ_e s_e λ_e + ρ Σ_m θ̂_m (paper 000, Q-GADMM; c = deg = 2
   * inside a chain, 1 at its ends), factorised once.
   */
  private exactSolver(): { l: Float64Array; h: Float64Array } | null {
    const data = this.env.data;
    const linear = data !== undefined && data.classes === 0 && linearDim(data) === this.env.dim;
    if (this.opts.solver === 'steps' || (this.opts.solver === 'auto' && !linear)) {
      if (!this.env.learner) throw new AlgorithmError(`peer ${this.spec.id} has no local learner for the ${this.opts.name} local steps`);
      return null;
    }
    if (!linear) throw new AlgorithmError(`${this.opts.name}: solver 'exact' needs the linear model on a regression dataset (dim ${this.env.dim})`, "use model: { kind: linear } or solver: 'steps'");
    const d = this.env.dim;
    const { g, h } = normalEquations(data!);
    const c = this.opts.rho * this.neigh.length;
    for (let i = 0; i < d; i++) g[i * d + i]! += c;
    const l = cholesky(g, d);
    if (!l) throw new AlgorithmError(`${this.opts.name}: the local system of ${this.spec.id} is not positive definite`, 'check the data for NaN values');
    return { l, h };
  }

  /** Joined a running job (a restart): references and duals are gone; ask every neighbour for a keyframe. */
  private restarted(round: number): void {
    this.fresh = true;
    this.links.restart();
    this.env.log.warn({ round }, 'started mid-job; requesting keyframes from every neighbour');
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_HEADS) return this.isHead ? [] : null;
    if (phase === PHASE_TAILS) return this.isHead ? null : this.neigh.map((from) => ({ from, round, phase: PHASE_HEADS }));
    return this.isHead ? this.neigh.map((from) => ({ from, round, phase: PHASE_TAILS })) : null;
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    // A node that starts mid-job, or jumped rounds it missed (it fell behind), holds stale references: resynchronise.
    if (round > this.lastRound + 1 && !this.fresh) this.restarted(round);
    this.lastRound = round;
    if (phase !== PHASE_HEADS) this.take(inbox);
    if (phase === PHASE_DUALS) {
      this.updateDuals();
      return [];
    }
    await this.solve();
    const tx = this.links.encode(this.theta, this.env.rng, () => this.dualBlocks());
    const out: Outbound = { to: this.neigh, codec: tx.codec, dim: tx.dim, body: tx.body, payloadBits: tx.payloadBits, ...(tx.meta ? { meta: tx.meta } : {}) };
    if (phase === PHASE_TAILS) this.updateDuals();
    return [out];
  }

  /** Receives the neighbours' θ̂; a keyframe also carries the sender's duals, which a node out of sync adopts. */
  private take(inbox: readonly Inbound[]): void {
    for (let k = 0; k < this.neigh.length; k++) {
      const from = this.neigh[k]!;
      const wasAwaiting = this.links.awaiting(from);
      const got = this.links.receive(from, inbox.find((m) => m.from === from));
      if (!got?.keyframe || !got.extra || got.extra.length === 0 || !wasAwaiting) continue;
      // Both ends out of sync: the lower-indexed end's duals win (unless this node is fresh).
      if (got.senderAwaitsMe && !this.fresh && this.index < this.topology.nodes.indexOf(from)) continue;
      const block = this.blockOf(from, got.extra);
      if (block) this.lambda[k]!.set(block);
    }
    // a restarted node is fresh until every neighbour's keyframe brought its reference and duals back
    if (this.fresh && this.neigh.every((id) => !this.links.awaiting(id))) this.fresh = false;
  }

  /** The block of `extra` meant for this node: a sender lists its duals in its neighbour order. */
  private blockOf(from: NodeId, extra: Float32Array): Float32Array | null {
    const d = this.env.dim;
    const count = extra.length / d;
    if (!Number.isInteger(count)) return null;
    const pos = this.sendersOf(from).indexOf(this.spec.id);
    if (pos < 0 || pos >= count) return null;
    return extra.subarray(pos * d, (pos + 1) * d);
  }

  /** This node's duals, one block per neighbour in neighbour order (a fresh node has none to offer). */
  private dualBlocks(): Float32Array {
    if (this.fresh) return new Float32Array(0);
    const d = this.env.dim;
    const out = new Float32Array(d * this.lambda.length);
    this.lambda.forEach((l, k) => out.set(l, k * d));
    return out;
  }

  /**
   * θ_n^{k+1} = argmin f_n(θ) + Σ_e s_e⟨λ_e, θ⟩ + ρ/2 Σ_m ‖θ − θ̂_m‖² (paper 000, eqs. 11–12;
   * the heads use the tails' θ̂^k, the tails the heads' fresh θ̂^{k+1}).
   */
  private async solve(): Promise<void> {
    const d = this.env.dim;
    const rho = this.opts.rho;
    if (this.exact) {
      const { l, h } = this.exact;
      for (let i = 0; i < d; i++) this.rhs[i] = h[i]!;
      for (let k = 0; k < this.neigh.length; k++) {
        const lam = this.lambda[k]!, s = this.sign[k]!, ref = this.links.reference(this.neigh[k]!);
        for (let i = 0; i < d; i++) this.rhs[i]! += -s * lam[i]! + rho * ref[i]!;
      }
      choleskySolve(l, d, this.rhs, this.sol);
      const next = new Float32Array(d);
      for (let i = 0; i < d; i++) next[i] = this.sol[i]!;
      this.theta = next;
      return;
    }
    // inexact: T steps of θ ← θ − lr(∇f + Σ s_e λ_e + ρ·deg·(θ − mean θ̂_m)) through the learner
    const deg = this.neigh.length;
    const dual = new Float32Array(d), anchor = new Float32Array(d);
    for (let k = 0; k < deg; k++) {
      const lam = this.lambda[k]!, s = this.sign[k]!, ref = this.links.reference(this.neigh[k]!);
      for (let i = 0; i < d; i++) { dual[i] = dual[i]! + s * lam[i]!; anchor[i] = anchor[i]! + ref[i]! / deg; }
    }
    const r = await this.env.learner!.admmStep(this.theta, { steps: this.opts.localSteps, lr: this.opts.lr, batchSize: this.opts.batchSize, anchor, dual, rho: rho * deg });
    this.theta = r.params;
  }

  /** λ_e^{k+1} = λ_e^k + ρ(θ̂_a^{k+1} − θ̂_b^{k+1}) (paper 000, eq. 13), identical at both ends. */
  private updateDuals(): void {
    const d = this.env.dim, rho = this.opts.rho;
    const own = this.links.ownReference();
    for (let k = 0; k < this.neigh.length; k++) {
      const lam = this.lambda[k]!, ref = this.links.reference(this.neigh[k]!);
      const [a, b] = this.sign[k]! > 0 ? [own, ref] : [ref, own];
      for (let i = 0; i < d; i++) lam[i] = lam[i]! + rho * (a[i]! - b[i]!);
    }
  }

  model(): Float32Array {
    return this.theta;
  }

  snapshot(): Uint8Array {
    const lambda: Record<string, Float32Array> = {};
    this.neigh.forEach((id, k) => (lambda[id] = this.lambda[k]!));
    return packState(this.env, this.opts.name, { theta: this.theta, lambda, links: this.links.save(), lastRound: this.lastRound, fresh: this.fresh });
  }

  /** Resumed at the round after the snapshot, the node continues exactly; later, it resynchronises as a restarted one. */
  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.name, bytes);
    const d = this.env.dim;
    this.theta = floats(r, 'theta', d);
    const lambda = sub(r, 'lambda');
    this.neigh.forEach((id, k) => this.lambda[k]!.set(floats(lambda, id, d)));
    this.links.load(sub(r, 'links'));
    this.lastRound = num(r, 'lastRound');
    this.fresh = r['fresh'] === true;
  }

  metrics(): Readonly<Record<string, number>> {
    return { keyframes: this.links.keyframesSent, keyframeBits: this.links.keyframeBits, missed: this.links.missed };
  }
}
