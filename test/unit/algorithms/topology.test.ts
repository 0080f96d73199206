import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bipartition, buildTopology, checkMixingMatrix, mixingMatrix, TopologyError } from '@edgefl/algorithms';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);

test('chain, ring, complete, ring-like and regular graphs have the expected degrees', () => {
  const deg = (t: ReturnType<typeof buildTopology>): number[] => t.adjacency.map((a) => a.length);
  assert.deepEqual(deg(buildTopology({ kind: 'chain' }, ids(5))), [1, 2, 2, 2, 1]);
  assert.deepEqual(deg(buildTopology({ kind: 'ring' }, ids(5))), [2, 2, 2, 2, 2]);
  assert.deepEqual(deg(buildTopology({ kind: 'complete' }, ids(4))), [3, 3, 3, 3]);
  assert.deepEqual(deg(buildTopology({ kind: 'ring-like' }, ids(10))), Array(10).fill(4));
  const r = buildTopology({ kind: 'regular', degree: 3, seed: 7 }, ids(10));
  assert.deepEqual(deg(r), Array(10).fill(3));
  assert.deepEqual(buildTopology({ kind: 'regular', degree: 3, seed: 7 }, ids(10)).edges, r.edges, 'seeded: same graph again');
  assert.deepEqual(buildTopology({ kind: 'edges', edges: [[0, 1], [2, 1]] }, ids(3)).edges, [[0, 1], [1, 2]]);
});

test('bad graphs are refused naming the reason and the nodes', () => {
  assert.throws(() => buildTopology({ kind: 'edges', edges: [[0, 1], [2, 3]] }, ids(5)), (e: unknown) => e instanceof TopologyError && /not connected: n2, n3, n4 cannot be reached from n0/.test(e.message));
  assert.throws(() => buildTopology({ kind: 'edges', edges: [[0, 1], [1, 1]] }, ids(2)), /self-loop at n1/);
  assert.throws(() => buildTopology({ kind: 'edges', edges: [[0, 1], [1, 0]] }, ids(2)), /n0–n1 is listed twice/);
  assert.throws(() => buildTopology({ kind: 'edges', edges: [[0, 5]] }, ids(3)), /outside 0…2/);
  assert.throws(() => buildTopology({ kind: 'regular', degree: 3, seed: 1 }, ids(5)), /n·d = 15 is odd/);
  assert.throws(() => buildTopology({ kind: 'chain' }, ids(1)), /at least 2 nodes/);
  assert.throws(() => bipartition(buildTopology({ kind: 'ring' }, ids(5))), /not bipartite: n\d and n\d are neighbours in the same group/);
  assert.deepEqual([...bipartition(buildTopology({ kind: 'chain' }, ids(5)))], [0, 1, 0, 1, 0]);
});

test('mixing matrices are symmetric, doubly stochastic, uniform on regular graphs and Metropolis–Hastings otherwise', () => {
  const ring = mixingMatrix(buildTopology({ kind: 'ring' }, ids(6)));
  assert.equal(ring.w[0 * 6 + 1], 1 / 3);
  assert.equal(ring.w[0 * 6 + 0], 1 - 2 / 3);
  const full = mixingMatrix(buildTopology({ kind: 'complete' }, ids(4)));
  for (const v of full.w) assert.ok(Math.abs(v - 0.25) < 1e-15);
  const chain = mixingMatrix(buildTopology({ kind: 'chain' }, ids(4)));
  // MH: w_01 = 1/(1 + max(1, 2)) = 1/3, w_12 = 1/3, w_00 = 2/3
  assert.ok(Math.abs(chain.w[1]! - 1 / 3) < 1e-15 && Math.abs(chain.w[0]! - 2 / 3) < 1e-15);
  for (const m of [ring, full, chain]) checkMixingMatrix(m, ids(m.n));
  assert.throws(() => mixingMatrix(buildTopology({ kind: 'chain' }, ids(4)), 'uniform'), /uniform mixing needs a regular graph, but n0 has degree 1 and n1 degree 2/);
});

test('a mixing matrix that is asymmetric, not stochastic or disconnected is refused naming the nodes', () => {
  const n = 3;
  const sym = Float64Array.from([0.5, 0.5, 0, 0.5, 0.5, 0, 0, 0, 1]);
  assert.throws(() => checkMixingMatrix({ n, w: sym }, ['a', 'b', 'c']), /not connected: c cannot be reached from a/);
  const asym = Float64Array.from([0.5, 0.3, 0.2, 0.5, 0.5, 0, 0, 0.2, 0.8]);
  assert.throws(() => checkMixingMatrix({ n, w: asym }, ['a', 'b', 'c']), /not symmetric: W\[a\]\[b\] = 0.3 but W\[b\]\[a\] = 0.5/);
  const sub = Float64Array.from([0.5, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.25, 0.4]);
  assert.throws(() => checkMixingMatrix({ n, w: sub }, ['a', 'b', 'c']), /not doubly stochastic: the row of c sums to 0.9/);
  const neg = Float64Array.from([1.2, -0.2, 0, -0.2, 1.2, 0, 0, 0, 1]);
  assert.throws(() => checkMixingMatrix({ n, w: neg }, ['a', 'b', 'c']), /W\[a\]\[b\] = -0.2 is negative/);
});
