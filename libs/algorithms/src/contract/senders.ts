import type { Algorithm, NodeId } from './types.js';
import { AlgorithmError } from './errors.js';

type Routable = Pick<Algorithm, 'name' | 'nodes' | 'senders'>;

/**
 * The nodes whose messages `id` receives: `Algorithm.senders`, or for a server algorithm
 * without it the default (a server hears every worker, a worker every server).
 * Throws AlgorithmError for a node the algorithm does not have, and for an algorithm with
 * peers but no `senders` (who hears whom cannot be guessed on a graph).
 */
export function sendersOf(alg: Routable, id: NodeId): readonly NodeId[] {
  const spec = alg.nodes.find((n) => n.id === id);
  if (!spec) throw new AlgorithmError(`algorithm ${alg.name} has no node ${id}`);
  if (alg.senders) return alg.senders(id);
  if (alg.nodes.some((n) => n.role === 'peer')) {
    throw new AlgorithmError(`algorithm ${alg.name} has peer nodes but does not say who hears whom`,
      'implement Algorithm.senders(id) (the in-neighbours of each node) in the algorithm');
  }
  const other = spec.role === 'server' ? 'worker' : spec.role === 'worker' ? 'server' : null;
  return alg.nodes.filter((n) => n.role === other).map((n) => n.id);
}

/**
 * Checks every node's senders once, when a job is built: each is a node of the algorithm
 * other than the receiver itself, listed once. A job whose algorithm fails is refused.
 */
export function checkSenders(alg: Routable): void {
  const ids = new Set(alg.nodes.map((n) => n.id));
  if (ids.size !== alg.nodes.length) throw new AlgorithmError(`algorithm ${alg.name} lists a node id twice`);
  for (const n of alg.nodes) {
    const s = sendersOf(alg, n.id);
    const seen = new Set<NodeId>();
    for (const from of s) {
      if (!ids.has(from)) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} hears ${from}, which is not one of its nodes`);
      if (from === n.id) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} lists itself among its senders`);
      if (seen.has(from)) throw new AlgorithmError(`algorithm ${alg.name}: node ${n.id} lists sender ${from} twice`);
      seen.add(from);
    }
  }
}
