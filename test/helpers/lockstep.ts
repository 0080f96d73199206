import { nullLog, Rng, type Dataset } from '@edgefl/core';
import type { Algorithm, Inbound, LocalLearner, NodeId, NodeMachine, Outbound } from '@edgefl/algorithms';

/**
 * Runs an algorithm's nodes in lockstep in this process, without a driver, so tests can look
 * at every node after every round and drop chosen deliveries. Payload bits are summed once
 * per transmission (however many receivers).
 */
export interface LockstepOptions {
  readonly dim: number;
  readonly rounds: number;
  readonly initialParams?: Float32Array;
  /** each node's shard (by id) */
  readonly data?: ReadonlyMap<NodeId, Dataset>;
  /** each node's local learner (a fresh one per (re)start), for algorithms that take SGD steps */
  readonly learner?: (id: NodeId) => LocalLearner;
  readonly seed?: number;
  /** return true to lose the delivery of `from`'s message of (round, phase) to `to` */
  readonly drop?: (m: { from: NodeId; to: NodeId; round: number; phase: number }) => boolean;
  /** restart node `id` as a fresh machine (no references, no duals) at the start of `round` */
  readonly restart?: { readonly id: NodeId; readonly round: number };
  /** after every round, with the nodes */
  readonly onRound?: (round: number, nodes: ReadonlyMap<NodeId, NodeMachine>) => void;
}

export interface LockstepResult {
  readonly nodes: ReadonlyMap<NodeId, NodeMachine>;
  readonly payloadBits: number;
  readonly transmissions: number;
  /** evaluation model after every round */
  readonly models: Float32Array[];
}

export async function lockstep(algo: Algorithm, o: LockstepOptions): Promise<LockstepResult> {
  const init = o.initialParams ?? new Float32Array(o.dim);
  const nodes = new Map<NodeId, NodeMachine>();
  const create = (id: NodeId, startRound?: number): NodeMachine => {
    const spec = algo.nodes.find((n) => n.id === id)!;
    const data = o.data?.get(spec.id);
    const learner = o.learner?.(spec.id);
    return algo.createNode({
      spec, rng: new Rng(`${o.seed ?? 1}/${spec.id}/${startRound ?? 1}`), dim: o.dim, initialParams: init, log: nullLog,
      ...(data ? { data } : {}), ...(learner ? { learner } : {}), ...(startRound ? { startRound } : {}),
    });
  };
  for (const spec of algo.nodes) nodes.set(spec.id, create(spec.id));
  const inboxes = new Map<NodeId, Inbound[]>();
  for (const id of nodes.keys()) inboxes.set(id, []);
  let payloadBits = 0, transmissions = 0;
  const models: Float32Array[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    if (o.restart?.round === round) {
      nodes.set(o.restart.id, create(o.restart.id, round));
      inboxes.set(o.restart.id, []);
    }
    for (let phase = 0; phase < algo.phases.length; phase++) {
      const sent: { from: NodeId; out: Outbound }[] = [];
      for (const [id, node] of nodes) {
        const keys = node.expects(round, phase);
        if (keys === null) continue;
        const box = inboxes.get(id)!;
        const inbox = keys.map((k) => box.find((m) => m.from === k.from && m.round === k.round && m.phase === k.phase)).filter((m): m is Inbound => m !== undefined);
        const outs = await node.act(round, phase, inbox);
        for (const out of outs) sent.push({ from: id, out });
      }
      for (const { from, out } of sent) {
        payloadBits += out.payloadBits;
        transmissions++;
        for (const to of out.to) {
          if (o.drop?.({ from, to, round, phase })) continue;
          inboxes.get(to)!.push({ from, round, phase, codec: out.codec, dim: out.dim, body: out.body, payloadBits: out.payloadBits, ...(out.meta ? { meta: out.meta } : {}) });
        }
      }
    }
    for (const box of inboxes.values()) {
      const keep = box.filter((m) => m.round >= round);
      box.length = 0;
      box.push(...keep);
    }
    const ms = new Map<NodeId, Float32Array>();
    for (const [id, n] of nodes) ms.set(id, Float32Array.from(n.model()));
    models.push(algo.evaluationModel(ms));
    o.onRound?.(round, nodes);
  }
  return { nodes, payloadBits, transmissions, models };
}
