import type { CodecSpec } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound } from '../../contract/types.js';
import { AlgorithmError } from '../../contract/errors.js';
import { floats, num, packState, unpackState, sub } from '../../contract/snapshot.js';
import { consensusError, keyframesSent, networkAverage } from '../../shared/consensus.js';
import { PeerChannels } from '../../shared/channel.js';
import { buildTopology, peerSenders, mixingMatrix, type MixingMatrix, type Topology, type TopologySpec } from '../../topology/index.js';
import { withReplica } from './replica-codec.js';

/**
 * Compressed gossip SGD on any connected graph (paper 002, Algorithm 1).
 * Every peer i keeps its model x_i and public replicas y_j of itself and each neighbour j
 * (y^{−1} = 0). One round = two phases:
 *   step — local step, then residual quantization q_i = Q(z_i − y_i), one transmission to
 *          every neighbour;
 *   mix  — y_j ← y_j + q_j for j ∈ N_i ∪ {i}, then consensus x_i ← z_i + γ Σ_j w_ij (y_j − y_i).
 * MALCOM-PSGD: z = prox_{ημ‖·‖₁}(x − η∇F) and the MALCOM quantizer/coder; CHOCO-SGD: z =
 * x − η∇F (no prox) with QSGD or the MALCOM coder; D-PSGD: float32 "quantization" (q is
 * the exact residual, so y_j = z_j) and γ = 1, i.e. x_i ← Σ_j w_ij z_j.
 */
export interface GossipOptions {
  readonly name: string;
  /** step size η */
  readonly lr: number;
  readonly batchSize: number;
  /** consensus step γ */
  readonly gamma: number;
  /** L1 weight μ of the proximal step; null for the plain SGD step */
  readonly l1: number | null;
  /** codec of q (stateless; wrapped in the replica residual) */
  readonly codec: CodecSpec;
  readonly mixing: 'auto' | 'uniform' | 'metropolis';
}

const PHASE_STEP = 0;
const PHASE_MIX = 1;

export function gossip(devices: readonly NodeId[], topologySpec: TopologySpec | undefined, opts: GossipOptions): Algorithm {
  const topology = buildTopology(topologySpec ?? { kind: 'ring' }, devices);
  const w = mixingMatrix(topology, opts.mixing);
  withReplica(opts.codec); // refuses a stateful codec when the job is built
  const nodes: NodeSpec[] = devices.map((id) => ({ id, role: 'peer' as const }));
  const senders = peerSenders(topology);
  return {
    name: opts.name,
    phases: ['step', 'mix'],
    nodes,
    senders,
    createNode: (env) => new GossipNode(env, topology, w, senders, opts),
    // the network average x̄ (the paper evaluates the averaged model)
    evaluationModel: networkAverage,
    roundMetrics(_round, models, metrics) {
      // consensus error max_i ‖x_i − x̄‖∞, fraction of exact zeros in the peers' models, keyframes so far
      let zeros = 0, total = 0;
      for (const m of models.values()) {
        for (let i = 0; i < m.length; i++) if (m[i] === 0) zeros++;
        total += m.length;
      }
      return { consensusError: consensusError(models), modelSparsity: total > 0 ? zeros / total : 0, keyframes: keyframesSent(metrics) };
    },
  };
}

export class GossipNode implements NodeMachine {
  readonly spec: NodeSpec;
  private readonly index: number;
  private readonly neigh: readonly NodeId[];
  /** w_ij for each neighbour, in neighbour order */
  private readonly weights: Float64Array;
  private x: Float32Array;
  /** z_i of the current round (the value whose residual was sent) */
  private z: Float32Array;
  private readonly links: PeerChannels;
  private lastRound = 0;

  constructor(private readonly env: NodeEnv, topology: Topology, w: MixingMatrix, sendersOf: (id: NodeId) => readonly NodeId[], private readonly opts: GossipOptions) {
    this.spec = env.spec;
    this.index = topology.nodes.indexOf(env.spec.id);
    if (this.index < 0) throw new AlgorithmError(`peer ${env.spec.id} is not in the topology`);
    if (!env.learner) throw new AlgorithmError(`peer ${env.spec.id} has no local learner for the ${opts.name} SGD step`);
    const adj = topology.adjacency[this.index]!;
    this.neigh = adj.map((j) => topology.nodes[j]!);
    this.weights = Float64Array.from(adj, (j) => w.w[this.index * w.n + j]!);
    this.x = Float32Array.from(env.initialParams);
    this.z = this.x;
    this.links = new PeerChannels({ self: env.spec.id, senders: this.neigh, sendersOf, codec: opts.codec, compressor: withReplica(opts.codec), dim: env.dim, log: env.log });
    if ((env.startRound ?? 1) > 1) this.restarted(env.startRound!);
  }

  /** Joined a running job: replicas are gone; ask every neighbour for a keyframe and send one. */
  private restarted(round: number): void {
    this.links.restart();
    this.env.log.warn({ round }, 'started mid-job; requesting keyframes from every neighbour');
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    if (phase === PHASE_STEP) return [];
    return this.neigh.map((from) => ({ from, round, phase: PHASE_STEP }));
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (this.lastRound === 0 && round > 1 && phase === PHASE_STEP) this.restarted(round);
    this.lastRound = round;
    if (phase === PHASE_STEP) return [await this.step(round)];
    if (phase === PHASE_MIX) this.mix(inbox);
    return [];
  }

  /**
   * x^{t+½} = x^t − η∇F_i(x^t; ξ) (Algorithm 1 line 3), z = prox_{ημ‖·‖₁}(x^{t+½}) (line 4,
   * eq. 6, soft thresholding in the ONNX prox step) for MALCOM-PSGD; then q = Q(z − y_i)
   * (line 5, eq. 8) coded once for all neighbours. y_i ← y_i + q happens in the channel.
   */
  private async step(round: number): Promise<Outbound> {
    const learner = this.env.learner!;
    const o = { steps: 1, lr: this.opts.lr, batchSize: this.opts.batchSize };
    const r = this.opts.l1 === null ? await learner.sgd(this.x, o) : await learner.proxStep(this.x, { ...o, l1: this.opts.l1 });
    this.z = r.params;
    const tx = this.links.encode(this.z, this.env.rng, undefined, round);
    return { to: this.neigh, codec: tx.codec, dim: tx.dim, body: tx.body, payloadBits: tx.payloadBits, ...(tx.meta ? { meta: tx.meta } : {}) };
  }

  /**
   * y_j^t = y_j^{t−1} + q_j (line 7), then x^{t+1} = z + γ Σ_{j∈N_i} w_ij (y_j^t − y_i^t)
   * (line 8, eq. 9; CHOCO-SGD's consensus step). A neighbour whose message was lost keeps
   * its last good replica until its keyframe arrives.
   */
  private mix(inbox: readonly Inbound[]): void {
    for (const from of this.neigh) this.links.receive(from, inbox.find((m) => m.from === from));
    const d = this.env.dim, g = this.opts.gamma;
    const own = this.links.ownReference();
    const acc = new Float64Array(d);
    for (let k = 0; k < this.neigh.length; k++) {
      const wk = this.weights[k]!, y = this.links.reference(this.neigh[k]!);
      for (let i = 0; i < d; i++) acc[i]! += wk * (y[i]! - own[i]!);
    }
    const next = new Float32Array(d);
    for (let i = 0; i < d; i++) next[i] = this.z[i]! + g * acc[i]!;
    this.x = next;
  }

  /** The replica y_j this node holds of `id` (itself or a neighbour): for replica-consistency checks. */
  replicaOf(id: NodeId): Float32Array {
    return id === this.spec.id ? this.links.ownReference() : this.links.reference(id);
  }

  /** Whether this node receives from `id`. */
  hears(id: NodeId): boolean {
    return this.neigh.includes(id);
  }

  /** Whether this node awaits a keyframe from neighbour `id` (its replica of `id` is stale). */
  awaits(id: NodeId): boolean {
    return this.links.awaiting(id);
  }

  model(): Float32Array {
    return this.x;
  }

  /** x, the z whose residual was last sent, the replicas (in the channels) and the round. */
  snapshot(): Uint8Array {
    return packState(this.env, this.opts.name, { x: this.x, z: this.z, links: this.links.save(), lastRound: this.lastRound });
  }

  /** Resumed at the round after the snapshot, the node continues exactly; later, it resynchronises as a restarted one. */
  restore(bytes: Uint8Array): void {
    const r = unpackState(this.env, this.opts.name, bytes);
    const d = this.env.dim;
    this.x = floats(r, 'x', d);
    this.z = floats(r, 'z', d);
    this.links.load(sub(r, 'links'));
    this.lastRound = num(r, 'lastRound');
  }

  metrics(): Readonly<Record<string, number>> {
    return { keyframes: this.links.keyframesSent, keyframeBits: this.links.keyframeBits, missed: this.links.missed };
  }
}
