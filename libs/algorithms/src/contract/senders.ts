import type { Algorithm, NodeId, NodeSpec } from './types.js';
import { AlgorithmError } from './errors.js';

type Routable = Pick<Algorithm, 'name' | 'nodes' | 'senders'>;

/** An algorithm's nodes by id and by role, built once per node list: every node of a job asks for its senders, so a scan per question would cost O(nodes²) per job (1,000 agents each building the job made that O(nodes³) for an emulated fleet). */
interface NodeIndex {
  readonly byId: ReadonlyMap<NodeId, NodeSpec>;
  readonly byRole: Readonly<Record<NodeSpec['role'], readonly NodeId[]>>;
}

const indexes = new WeakMap<readonly NodeSpec[], NodeIndex>();

function nodeIndex(nodes: readonly NodeSpec[]): NodeIndex {
  let index = indexes.get(nodes);
  if (index === undefined) {
    const byRole: Record<NodeSpec['role'], NodeId[]> = { server: [], worker: [], peer: [] };
    for (const n of nodes) byRole[n.role].push(n.id);
    index = { byId: new Map(nodes.map((n) => [n.id, n])), byRole };
    indexes.set(nodes, index);
  }
  return index;
}

/**
 * The nodes whose messages `id` receives: `Algorithm.senders`, or for a server algorithm
 * without it the default (a server hears every worker, a worker every server).
 * Throws AlgorithmError for a node the algorithm does not have, and for an algorithm with
 * peers but no `senders` (who hears whom cannot be guessed on a graph).
 */
export function sendersOf(alg: Routable, id: NodeId): readonly NodeId[] {
  const index = nodeIndex(alg.nodes);
  const spec = index.byId.get(id);
  if (!spec) throw new AlgorithmError(`algorithm ${alg.name} has no node ${id}`);
  if (alg.senders) return alg.senders(id);
  if (index.byRole.peer.length > 0) {
    throw new AlgorithmError(`algorithm ${alg.name} has peer nodes but does not say who hears whom`,
      'implement Algorithm.senders(id) (the in-neighbours of each node) in the algorithm');
  }
  return spec.role === 'server' ? index.byRole.worker : spec.role === 'worker' ? index.byRole.server : [];
}

/**
 * Checks every node's senders once, when a job is built: each is a node of the algorithm
 * other than the receiver itself, listed once. A job whose algorithm fails is refused.
 */
export function checkSenders(alg: Routable): void {
  const ids = nodeIndex(alg.nodes).byId;
  if (ids.size !== alg.nodes.length) throw new AlgorithmError(`algorithm ${alg.name} lists a node id twice`);
  const seen = new Set<NodeId>();
  for (const n of alg.nodes) {
    const s = sendersOf(alg, n.id);
    seen.clear();
    for (const from of s) {
      if (!ids.has(from)) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} hears ${from}, which is not one of its nodes`);
      if (from === n.id) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} lists itself among its senders`);
      if (seen.has(from)) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} lists sender ${from} twice`);
      seen.add(from);
    }
  }
}
