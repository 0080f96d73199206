import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseExperimentConfig } from '@edgefl/config';
import { createJob } from '@edgefl/runtime';
import { TopologyError } from '@edgefl/algorithms';

const job = (extra: Record<string, unknown>) => ({ job: 'topo', fleet: { devices: 6 }, model: { kind: 'linear' }, algorithm: { name: 'q-gadmm' }, ...extra });

test('topology: every kind parses; the job gives it to the algorithm (senders follow the graph)', () => {
  const ring = createJob(parseExperimentConfig(job({ topology: { kind: 'ring' } })));
  assert.deepEqual(ring.algorithm.senders?.('dev-01'), ['dev-02', 'dev-06']);
  const chain = createJob(parseExperimentConfig(job({})));
  assert.deepEqual(chain.algorithm.senders?.('dev-01'), ['dev-02'], 'Q-GADMM defaults to a chain');
  // an even cycle with a chord between opposite nodes (0–3) stays bipartite
  const edges = createJob(parseExperimentConfig(job({ topology: { kind: 'edges', edges: [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 0], [0, 3]] } })));
  assert.deepEqual(edges.algorithm.senders?.('dev-01'), ['dev-02', 'dev-04', 'dev-06']);
  for (const t of [{ kind: 'complete' }, { kind: 'ring-like' }, { kind: 'regular', degree: 3, seed: 2 }]) parseExperimentConfig(job({ topology: t }));
});

test('topology: a malformed key is a ConfigError; a graph that cannot be used is a TopologyError naming the nodes', () => {
  assert.throws(() => parseExperimentConfig(job({ topology: { kind: 'regular' } })), (e: unknown) => e instanceof ConfigError && /topology.degree/.test(e.message));
  assert.throws(() => parseExperimentConfig(job({ topology: { kind: 'star' } })), (e: unknown) => e instanceof ConfigError && /topology.kind/.test(e.message));
  assert.throws(() => createJob(parseExperimentConfig(job({ topology: { kind: 'edges', edges: [[0, 1], [2, 3], [4, 5]] } }))),
    (e: unknown) => e instanceof TopologyError && /not connected: dev-03, dev-04, dev-05, dev-06 cannot be reached from dev-01/.test(e.message));
  // complete on 6 nodes has triangles: group ADMM needs a bipartite graph
  assert.throws(() => createJob(parseExperimentConfig(job({ topology: { kind: 'complete' } }))), (e: unknown) => e instanceof TopologyError && /not bipartite/.test(e.message));
  assert.throws(() => createJob(parseExperimentConfig(job({ topology: { kind: 'regular', degree: 3 }, fleet: { devices: 5 } }))), /n·d = 15 is odd/);
});
