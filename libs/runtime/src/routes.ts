import { EdgeflError } from '@edgefl/core';
import { checkSenders, sendersOf, type Algorithm, type NodeId, type NodeSpec } from '@edgefl/algorithms';
import { filters, parseTopic, topics } from '@edgefl/transport';

/** One MQTT publication an outbound message turns into, and the nodes the broker delivers it to. */
export interface Publication {
  readonly topic: string;
  readonly receivers: readonly NodeId[];
}

/**
 * Who hears whom in one job, and how that maps to the topic scheme. Both drivers route
 * with it, so the lab counts the publishes and deliveries a fleet makes:
 *
 * - one transmission to every node that hears its sender is **one publish** on the
 *   sender's topic — `down` for a server, `up/{w}` for a worker, `peer/{p}` for a peer —
 *   which the broker delivers to each of them;
 * - a transmission to a strict subset goes out once per receiver, on `down/{d}` (server)
 *   or `link/{p}/{d}` (peer), so no other node's downlink carries it. For a server the
 *   extra publishes cross only the gateway's own hop, which is not a device link.
 *
 * Payload bits count the transmission once either way (TrafficAccounting).
 */
export class Routes {
  private readonly specs: ReadonlyMap<NodeId, NodeSpec>;
  // Senders are filled as nodes are asked about: an agent asks about itself and the nodes it
  // hears, and a table of every node's senders, built by each of 1,000 agents of an emulated
  // fleet, was O(nodes²) work and garbage for answers none of them used.
  private readonly sendersOf = new Map<NodeId, ReadonlySet<NodeId>>();
  // Listeners are every node's senders inverted, in one pass when first asked: asked node by
  // node, each answer walked every node's senders (for a worker of a star, the server's list
  // of every worker), O(nodes²) a job at its first round (84 ms at 1,000 devices, 1.6 s at 5,000).
  private listenersOf: ReadonlyMap<NodeId, readonly NodeId[]> | null = null;
  private readonly server: NodeId | undefined;
  private readonly workers: readonly NodeId[];

  constructor(readonly job: string, private readonly algorithm: Pick<Algorithm, 'name' | 'nodes' | 'senders'>) {
    checkSenders(algorithm);
    this.specs = new Map(algorithm.nodes.map((n) => [n.id, n]));
    const servers = algorithm.nodes.filter((n) => n.role === 'server');
    if (servers.length > 1) throw new RouteError(`algorithm ${algorithm.name} has ${servers.length} servers; the topic scheme has one aggregator`);
    this.server = servers[0]?.id;
    this.workers = algorithm.nodes.filter((n) => n.role === 'worker').map((n) => n.id);
  }

  get nodes(): readonly NodeSpec[] {
    return [...this.specs.values()];
  }

  spec(id: NodeId): NodeSpec {
    const s = this.specs.get(id);
    if (!s) throw new RouteError(`node ${id} is not part of job ${this.job}`);
    return s;
  }

  /** The nodes `id` hears (its in-neighbours). */
  senders(id: NodeId): ReadonlySet<NodeId> {
    let s = this.sendersOf.get(id);
    if (s === undefined) {
      s = this.specs.has(id) ? new Set(sendersOf(this.algorithm, id)) : new Set();
      this.sendersOf.set(id, s);
    }
    return s;
  }

  /** The nodes that hear `id` (its out-neighbours), in job order. */
  listeners(id: NodeId): readonly NodeId[] {
    this.listenersOf ??= invertSenders(this.algorithm);
    return this.listenersOf.get(id) ?? [];
  }

  /** The publishes one outbound message of `from` to `to` becomes. */
  publications(from: NodeId, to: readonly NodeId[]): Publication[] {
    const spec = this.spec(from);
    const listeners = this.listeners(from);
    const hear = new Set(listeners);
    const unique = [...new Set(to)];
    const deaf = unique.filter((d) => !hear.has(d));
    if (deaf.length > 0) {
      throw new RouteError(`${from} sends to ${deaf.join(', ')}, which do${deaf.length === 1 ? 'es' : ''} not hear it (not in their senders)`);
    }
    if (unique.length === 0) return [];
    const all = unique.length === listeners.length;
    switch (spec.role) {
      case 'server':
        return all ? [{ topic: topics.down(this.job), receivers: listeners }] : unique.map((d) => ({ topic: topics.down(this.job, d), receivers: [d] }));
      case 'worker':
        // A worker has one topic; everyone who hears it receives what it sends.
        if (!all) throw new RouteError(`worker ${from} addresses ${unique.join(', ')}, but ${listeners.join(', ')} all hear its up topic`);
        return [{ topic: topics.up(this.job, from), receivers: listeners }];
      case 'peer':
        return all ? [{ topic: topics.peer(this.job, from), receivers: listeners }] : unique.map((d) => ({ topic: topics.link(this.job, from, d), receivers: [d] }));
    }
  }

  /** MQTT filters node `id` subscribes to: exactly the topics its senders publish to it on. */
  filters(id: NodeId): string[] {
    const senders = this.senders(id);
    const out = new Set<string>();
    const allWorkers = this.workers.length > 0 && this.workers.every((w) => senders.has(w));
    if (allWorkers) out.add(filters.allUp(this.job));
    for (const s of senders) {
      const role = this.spec(s).role;
      if (role === 'server') {
        out.add(topics.down(this.job));
        out.add(topics.down(this.job, id));
      } else if (role === 'worker') {
        if (!allWorkers) out.add(topics.up(this.job, s));
      } else {
        out.add(topics.peer(this.job, s));
        out.add(topics.link(this.job, s, id));
      }
    }
    return [...out];
  }

  /**
   * The sender a topic vouches for, as received by `receiver`; the envelope must agree.
   * Throws RouteError for a topic that carries no algorithm messages to `receiver`.
   */
  senderOf(topic: string, receiver: NodeId): NodeId {
    const t = parseTopic(topic);
    switch (t?.kind) {
      case 'up':
        return t.device;
      case 'down':
        if (this.server === undefined) break;
        if (t.device !== null && t.device !== receiver) break;
        return this.server;
      case 'peer':
        return t.from;
      case 'link':
        if (t.to !== receiver) break;
        return t.from;
      default:
        break;
    }
    throw new RouteError(`topic ${topic} carries no algorithm messages for ${receiver}`);
  }
}

/** An algorithm addressed a node that does not hear it, or a topic does not fit the job. */
export class RouteError extends EdgeflError {
  constructor(message: string) {
    super('ROUTE', message, 'an algorithm may send only to nodes whose Algorithm.senders list the sender');
  }
}

/** Each node's listeners (the nodes whose senders include it), each list in job order and without repeats. */
function invertSenders(algorithm: Pick<Algorithm, 'name' | 'nodes' | 'senders'>): ReadonlyMap<NodeId, readonly NodeId[]> {
  const out = new Map<NodeId, NodeId[]>(algorithm.nodes.map((n) => [n.id, []]));
  for (const n of algorithm.nodes) {
    for (const s of sendersOf(algorithm, n.id)) {
      const l = out.get(s);
      // nodes come in job order, so a sender listed twice by `n` would repeat `n` at the end
      if (l !== undefined && l[l.length - 1] !== n.id) l.push(n.id);
    }
  }
  return out;
}
