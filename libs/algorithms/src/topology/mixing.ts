import type { Topology } from './graph.js';
import { TopologyError } from './errors.js';

/** A dense n × n mixing matrix W (row-major), W_ij > 0 only on edges and the diagonal. */
export interface MixingMatrix {
  readonly n: number;
  readonly w: Float64Array;
}

/**
 * The mixing matrix of a topology: uniform 1/(d+1) on a d-regular graph (ring, ring-like,
 * complete → 11ᵀ/n, regular), Metropolis–Hastings w_ij = 1/(1 + max(d_i, d_j)) otherwise,
 * with w_ii = 1 − Σ_j w_ij. Both are symmetric and doubly stochastic; checked anyway.
 */
export function mixingMatrix(t: Topology, kind: 'auto' | 'uniform' | 'metropolis' = 'auto'): MixingMatrix {
  const n = t.nodes.length;
  const deg = t.adjacency.map((a) => a.length);
  const regular = deg.every((d) => d === deg[0]);
  const useUniform = kind === 'uniform' || (kind === 'auto' && regular);
  if (useUniform && !regular) {
    const lo = deg.indexOf(Math.min(...deg)), hi = deg.indexOf(Math.max(...deg));
    throw new TopologyError(`uniform mixing needs a regular graph, but ${t.nodes[lo]} has degree ${deg[lo]} and ${t.nodes[hi]} degree ${deg[hi]}`, 'use mixing: metropolis');
  }
  const w = new Float64Array(n * n);
  for (const [a, b] of t.edges) {
    const v = useUniform ? 1 / (deg[0]! + 1) : 1 / (1 + Math.max(deg[a]!, deg[b]!));
    w[a * n + b] = v;
    w[b * n + a] = v;
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += w[i * n + j]!;
    w[i * n + i] = 1 - s;
  }
  const m = { n, w };
  checkMixingMatrix(m, t.nodes);
  return m;
}

/**
 * Refuses a W that is not symmetric, not doubly stochastic (non-negative, rows and columns
 * summing to 1) or whose graph (W_ij > 0, i ≠ j) is disconnected, naming the offending nodes.
 */
export function checkMixingMatrix(m: MixingMatrix, nodes: readonly string[], tol = 1e-9): void {
  const { n, w } = m;
  if (w.length !== n * n || nodes.length !== n) throw new TopologyError(`mixing matrix is ${w.length} entries for ${nodes.length} nodes`, `give an n × n matrix, n = ${nodes.length}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = w[i * n + j]!;
      if (!Number.isFinite(v) || v < -tol) throw new TopologyError(`mixing weight W[${nodes[i]}][${nodes[j]}] = ${v} is negative or not finite`, 'weights must be ≥ 0');
      if (j > i && Math.abs(v - w[j * n + i]!) > tol) {
        throw new TopologyError(`mixing matrix is not symmetric: W[${nodes[i]}][${nodes[j]}] = ${v} but W[${nodes[j]}][${nodes[i]}] = ${w[j * n + i]}`, 'give both directions of a link the same weight');
      }
    }
  }
  for (let i = 0; i < n; i++) {
    let row = 0, col = 0;
    for (let j = 0; j < n; j++) { row += w[i * n + j]!; col += w[j * n + i]!; }
    if (Math.abs(row - 1) > 1e-6) throw new TopologyError(`mixing matrix is not doubly stochastic: the row of ${nodes[i]} sums to ${row}`, 'each row and column must sum to 1');
    if (Math.abs(col - 1) > 1e-6) throw new TopologyError(`mixing matrix is not doubly stochastic: the column of ${nodes[i]} sums to ${col}`, 'each row and column must sum to 1');
  }
  const seen = new Uint8Array(n);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const v = stack.pop()!;
    for (let j = 0; j < n; j++) if (j !== v && w[v * n + j]! > tol && !seen[j]) { seen[j] = 1; stack.push(j); }
  }
  const cut = nodes.filter((_, i) => !seen[i]);
  if (cut.length > 0) throw new TopologyError(`mixing matrix is not connected: ${cut.join(', ')} cannot be reached from ${nodes[0]}`, 'give those nodes positive weights to the rest');
}
