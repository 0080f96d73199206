import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig } from '@edgefl/config';
import { runExperiment } from '@edgefl/lab';
import { createAlgorithm, type GossipNode, type NodeMachine } from '@edgefl/algorithms';
import { CaptureLog } from './broker-helpers.js';

/**
 * MALCOM-PSGD in the memory driver (real wire envelopes, ONNX learners) with lost
 * deliveries (its `drop` hook): every loss a receiver notices is repaired by one keyframe,
 * and after the run every receiver's replica of every sender equals the sender's own, bit for bit.
 */
const cfg = (job: string) => parseExperimentConfig({
  job, seed: 4, rounds: 80, fleet: { devices: 6, prefix: 'p-' },
  data: { dataset: 'digits', testFraction: 0.2, normalize: 'standard' },
  model: { kind: 'mlp', hidden: [16], activation: 'relu' },
  topology: { kind: 'ring-like' }, algorithm: { name: 'malcom-psgd' },
  transport: { kind: 'memory', roundTimeoutMs: 1500 },
});

test('malcom-psgd in the memory driver: dropped deliveries are repaired by keyframes, replicas agree bit for bit, accuracy ≥ 85 %', async () => {
  const nodes = new Map<string, NodeMachine>();
  const lost = [{ from: 'p-01', to: 'p-02', round: 10 }, { from: 'p-04', to: 'p-06', round: 25 }, { from: 'p-05', to: 'p-03', round: 40 }];
  const log = new CaptureLog();
  const rec = await runExperiment(cfg('gossip-resync'), {
    log,
    drop: (k) => lost.some((l) => l.from === k.from && l.to === k.to && l.round === k.round),
    // the registry's algorithm, with each node kept so the test can read its replicas
    buildAlgorithm: (spec, ctx) => {
      const algo = createAlgorithm(spec, ctx);
      return { ...algo, createNode: (env) => { const n = algo.createNode(env); nodes.set(env.spec.id, n); return n; } };
    },
  });
  const lostLines = log.lines.filter((l) => l.msg === 'lost the reference of a peer; asking it for a keyframe');
  for (const l of lost) assert.ok(lostLines.some((x) => x.obj['node'] === l.to && x.obj['from'] === l.from), `${l.to} noticed the loss from ${l.from}`);
  const last = rec.rounds[rec.rounds.length - 1]!;
  assert.equal(last['keyframes'], lostLines.length, 'one keyframe per loss noticed');
  assert.equal(nodes.size, 6);
  for (const [j, sender] of nodes) {
    const own = (sender as GossipNode).replicaOf(j);
    for (const [i, recv] of nodes) {
      if (i === j || !(recv as GossipNode).hears(j)) continue;
      assert.equal((recv as GossipNode).awaits(j), false, `${i} in sync with ${j}`);
      assert.deepEqual((recv as GossipNode).replicaOf(j), own, `${i}'s replica of ${j}`);
    }
  }
  assert.ok((last.accuracy ?? 0) >= 0.85, `accuracy ${last.accuracy}`);
});
