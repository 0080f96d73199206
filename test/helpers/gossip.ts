import { createCompressor, type CodecCompressor } from '@edgefl/codec';
import type { Algorithm, Inbound, MessageKey, NodeEnv, NodeId, NodeMachine, NodeSpec, Outbound } from '@edgefl/algorithms';

/**
 * A test-only decentralized algorithm (not in the product registry): peers on a ring
 * average their model with their two neighbours' (float32 codecs, so no references) and
 * then take `steps` local SGD steps. Enough to drive serverless jobs through both drivers
 * before the product's decentralized algorithms exist.
 *
 * - `send: 'both'` (default): one transmission to both neighbours per round (one publish on
 *   `peer/{self}`);
 * - `send: 'split'`: one transmission per neighbour (each on `link/{self}/{n}`);
 * - `senders: false` leaves `Algorithm.senders` out (a job must refuse it).
 */
export interface GossipOptions {
  readonly steps?: number;
  readonly lr?: number;
  readonly batchSize?: number;
  readonly send?: 'both' | 'split';
  readonly senders?: boolean;
  /** called with every message a node sends (to sum payload bits over transmissions) */
  readonly onSend?: (from: NodeId, out: Outbound) => void;
  /** called with each node's env as it is created (to see `startRound`) */
  readonly onCreate?: (env: NodeEnv) => void;
}

/** phase 0 shares the model; phase 1 mixes what arrived and trains */
const SHARE = 0;

export function ringGossip(peers: readonly NodeId[], o: GossipOptions = {}): Algorithm {
  const n = peers.length;
  const neighbours = (id: NodeId): NodeId[] => {
    const i = peers.indexOf(id);
    return [...new Set([peers[(i + n - 1) % n]!, peers[(i + 1) % n]!])].filter((p) => p !== id);
  };
  const nodes: NodeSpec[] = peers.map((id) => ({ id, role: 'peer' as const }));
  const alg: Algorithm = {
    name: 'test-ring-gossip',
    phases: ['share', 'mix'],
    nodes,
    createNode: (env) => {
      o.onCreate?.(env);
      return new GossipPeer(env, neighbours(env.spec.id), o);
    },
    evaluationModel(models) {
      // In job order, not the order nodes finished the round: float sums must not depend on timing.
      const ms = peers.map((p) => models.get(p)!);
      const mean = new Float32Array(ms[0]!.length);
      for (const m of ms) for (let i = 0; i < m.length; i++) mean[i]! += m[i]! / ms.length;
      return mean;
    },
  };
  return o.senders === false ? alg : { ...alg, senders: neighbours };
}

class GossipPeer implements NodeMachine {
  readonly spec: NodeSpec;
  private theta: Float32Array;
  private readonly codec: CodecCompressor<unknown>;
  private readonly state: unknown;

  constructor(private readonly env: NodeEnv, private readonly neighbours: readonly NodeId[], private readonly o: GossipOptions) {
    this.spec = env.spec;
    this.theta = Float32Array.from(env.initialParams);
    this.codec = createCompressor({ id: 'float32' });
    this.state = this.codec.initState(env.dim);
  }

  expects(round: number, phase: number): readonly MessageKey[] | null {
    return phase === SHARE ? [] : this.neighbours.map((from) => ({ from, round, phase: SHARE }));
  }

  async act(round: number, phase: number, inbox: readonly Inbound[]): Promise<readonly Outbound[]> {
    if (phase === SHARE) {
      const enc = this.codec.encode(this.theta, this.state, this.env.rng);
      const msg = (to: readonly NodeId[]): Outbound => ({ to, codec: this.codec.spec, dim: this.env.dim, body: enc.body, payloadBits: enc.payloadBits });
      const outs = this.o.send === 'split' ? this.neighbours.map((d) => msg([d])) : [msg(this.neighbours)];
      for (const out of outs) this.o.onSend?.(this.spec.id, out);
      return outs;
    }
    // θ ← (θ + Σ_received θ_j) / (1 + received), then local SGD.
    const sum = Float64Array.from(this.theta);
    for (const m of inbox) {
      const v = this.codec.decode(m.body, this.env.dim, this.state);
      for (let i = 0; i < v.length; i++) sum[i]! += v[i]!;
    }
    const mixed = new Float32Array(this.env.dim);
    for (let i = 0; i < mixed.length; i++) mixed[i] = sum[i]! / (1 + inbox.length);
    this.theta = mixed;
    if (this.env.learner && (this.o.steps ?? 1) > 0) {
      this.theta = (await this.env.learner.sgd(mixed, { steps: this.o.steps ?? 1, lr: this.o.lr ?? 0.1, batchSize: this.o.batchSize ?? 16 })).params;
    }
    this.env.log.debug({ round, received: inbox.length }, 'mixed');
    return [];
  }

  model(): Float32Array {
    return this.theta;
  }
}
