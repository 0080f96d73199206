import { Rng } from '@edgefl/core';
import type { NodeId } from '../contract/types.js';
import { TopologyError } from './errors.js';

/**
 * Which graph the peers of a decentralized job form. `chain` and `ring` follow the device
 * order; `ring-like` is the circulant graph C_n(1, 2) (a ring plus a chord to the node two
 * steps ahead: 4-regular); `regular` is a seeded random d-regular graph; `edges` lists
 * the links by 0-based device index.
 */
export type TopologySpec =
  | { readonly kind: 'chain' }
  | { readonly kind: 'ring' }
  | { readonly kind: 'complete' }
  | { readonly kind: 'ring-like' }
  | { readonly kind: 'regular'; readonly degree: number; readonly seed?: number }
  | { readonly kind: 'edges'; readonly edges: readonly (readonly [number, number])[] };

export const TOPOLOGY_KINDS = ['chain', 'ring', 'complete', 'ring-like', 'regular', 'edges'] as const;

/** An undirected graph over the job's nodes (index = position in `nodes`). */
export interface Topology {
  readonly kind: TopologySpec['kind'];
  readonly nodes: readonly NodeId[];
  /** sorted neighbour indices of each node */
  readonly adjacency: readonly (readonly number[])[];
  /** each undirected edge once, as [a, b] with a < b, sorted */
  readonly edges: readonly (readonly [number, number])[];
}

/** Builds and checks (no self-loops, no repeats, connected) the graph `spec` describes over `nodes`. */
export function buildTopology(spec: TopologySpec, nodes: readonly NodeId[]): Topology {
  const n = nodes.length;
  if (n < 2) throw new TopologyError(`a ${spec.kind} topology needs at least 2 nodes, the job has ${n}`, 'set fleet.devices ≥ 2');
  const pairs = edgesOf(spec, n);
  const adj: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<string>();
  const edges: [number, number][] = [];
  for (const [a0, b0] of pairs) {
    if (!Number.isInteger(a0) || !Number.isInteger(b0) || a0 < 0 || b0 < 0 || a0 >= n || b0 >= n) {
      throw new TopologyError(`edge [${a0}, ${b0}] names a node outside 0…${n - 1}`, 'edges are 0-based indices into the job\'s devices');
    }
    if (a0 === b0) throw new TopologyError(`edge [${a0}, ${b0}] is a self-loop at ${nodes[a0]}`, 'remove it: a node always mixes with itself');
    const a = Math.min(a0, b0), b = Math.max(a0, b0);
    const key = `${a},${b}`;
    if (seen.has(key)) throw new TopologyError(`edge ${nodes[a]}–${nodes[b]} is listed twice`, 'list each undirected edge once');
    seen.add(key);
    edges.push([a, b]);
    adj[a]!.push(b);
    adj[b]!.push(a);
  }
  for (const l of adj) l.sort((x, y) => x - y);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const unreached = unreachedFrom0(adj);
  if (unreached.length > 0) {
    throw new TopologyError(`the ${spec.kind} graph is not connected: ${unreached.map((i) => nodes[i]).join(', ')} cannot be reached from ${nodes[0]}`,
      'add edges linking those nodes to the rest');
  }
  return { kind: spec.kind, nodes, adjacency: adj, edges };
}

function edgesOf(spec: TopologySpec, n: number): (readonly [number, number])[] {
  const out: [number, number][] = [];
  switch (spec.kind) {
    case 'chain':
      for (let i = 0; i + 1 < n; i++) out.push([i, i + 1]);
      return out;
    case 'ring':
      if (n < 3) throw new TopologyError(`a ring needs at least 3 nodes, the job has ${n}`, 'use kind: chain for 2 nodes');
      for (let i = 0; i < n; i++) out.push([i, (i + 1) % n]);
      return out;
    case 'complete':
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
      return out;
    case 'ring-like':
      if (n < 5) throw new TopologyError(`a ring-like graph (ring + chords to the node two steps ahead) needs at least 5 nodes, the job has ${n}`, 'use kind: ring or complete');
      for (let i = 0; i < n; i++) out.push([i, (i + 1) % n], [i, (i + 2) % n]);
      return out;
    case 'regular':
      return randomRegular(n, spec.degree, spec.seed ?? 1);
    case 'edges':
      return [...spec.edges];
  }
}

/**
 * A seeded random d-regular graph by the configuration (pairing) model, retried until the
 * pairing has no self-loop, no repeated edge and is connected (fast for the small d of
 * edge fleets).
 */
function randomRegular(n: number, d: number, seed: number): [number, number][] {
  if (!Number.isInteger(d) || d < 1 || d >= n) throw new TopologyError(`a ${d}-regular graph on ${n} nodes needs 1 ≤ degree ≤ ${n - 1}`, `set topology.degree between 1 and ${n - 1}`);
  if ((n * d) % 2 !== 0) throw new TopologyError(`no ${d}-regular graph on ${n} nodes exists (n·d = ${n * d} is odd)`, 'make the degree or the device count even');
  const rng = new Rng(`topology/regular/${seed}`);
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const stubs: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) stubs.push(i);
    rng.shuffle(stubs);
    const seen = new Set<string>();
    const edges: [number, number][] = [];
    let ok = true;
    for (let i = 0; i < stubs.length; i += 2) {
      const a = Math.min(stubs[i]!, stubs[i + 1]!), b = Math.max(stubs[i]!, stubs[i + 1]!);
      if (a === b || seen.has(`${a},${b}`)) { ok = false; break; }
      seen.add(`${a},${b}`);
      edges.push([a, b]);
    }
    if (!ok) continue;
    const adj: number[][] = Array.from({ length: n }, () => []);
    for (const [a, b] of edges) { adj[a]!.push(b); adj[b]!.push(a); }
    if (unreachedFrom0(adj).length === 0) return edges;
  }
  throw new TopologyError(`could not draw a connected simple ${d}-regular graph on ${n} nodes`, 'raise the degree or try another topology.seed');
}

function unreachedFrom0(adj: readonly (readonly number[])[]): number[] {
  const seen = new Uint8Array(adj.length);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (const w of adj[v]!) if (!seen[w]) { seen[w] = 1; stack.push(w); }
  }
  const out: number[] = [];
  for (let i = 0; i < adj.length; i++) if (!seen[i]) out.push(i);
  return out;
}

/** Neighbour ids of `id`. */
export function neighbours(t: Topology, id: NodeId): NodeId[] {
  const i = t.nodes.indexOf(id);
  if (i < 0) throw new TopologyError(`node ${id} is not in the topology`);
  return t.adjacency[i]!.map((j) => t.nodes[j]!);
}

/** `Algorithm.senders` of a peer-to-peer job: each node hears its neighbours; a node outside the graph hears no one. */
export function peerSenders(t: Topology): (id: NodeId) => readonly NodeId[] {
  // Indexed once: every node of the job asks for every node's senders when it builds the job.
  const heard = new Map(t.nodes.map((id, i) => [id, t.adjacency[i]!.map((j) => t.nodes[j]!)] as const));
  return (id) => heard.get(id) ?? [];
}

/**
 * A 2-colouring (heads = 0, tails = 1) for group ADMM, by BFS from the first node: on a
 * chain the heads are nodes 1, 3, 5, … . Refused when the graph has an odd cycle.
 */
export function bipartition(t: Topology): Uint8Array {
  const colour = new Uint8Array(t.nodes.length).fill(255);
  colour[0] = 0;
  const queue = [0];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of t.adjacency[v]!) {
      if (colour[w] === 255) { colour[w] = 1 - colour[v]!; queue.push(w); }
      else if (colour[w] === colour[v]) {
        throw new TopologyError(`the ${t.kind} graph is not bipartite: ${t.nodes[v]} and ${t.nodes[w]} are neighbours in the same group`,
          'group ADMM needs heads and tails that only neighbour each other: use a chain, an even ring, or a bipartite edge list');
      }
    }
  }
  return colour;
}
