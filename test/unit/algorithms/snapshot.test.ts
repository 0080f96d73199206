import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, type Dataset } from '@edgefl/core';
import { SnapshotError, type Inbound, type NodeId, type NodeMachine } from '@edgefl/algorithms';
import { parseExperimentConfig } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { createJob, nodeEnv, type Job } from '@edgefl/runtime';
import { quadraticLearner } from '../../helpers/quadratic-learner.js';

/**
 * Every algorithm's machines resume from a snapshot exactly: a run whose nodes are all
 * replaced, after round `at`, by fresh machines restored from their snapshots gives the same
 * models bit for bit as a run that never stopped (stochastic codecs included: the seeded
 * stream is part of the state).
 */
const LS_DATA = { dataset: { synthetic: 'least-squares', rows: 120, features: 4, target: 'planted', seed: 3 }, testFraction: 0.2, normalize: 'standard' } as const;
const CASES: { name: string; cfg: Record<string, unknown>; data?: boolean }[] = [
  { name: 'fedavg with error feedback', cfg: { algorithm: { name: 'fedavg', localSteps: 2, lr: 0.3, batchSize: 4 }, codec: { up: { id: 'ef', inner: 'topk', k: 2 }, down: { id: 'uniform', bits: 4 } } } },
  { name: 'local-sadmm', cfg: { algorithm: { name: 'local-sadmm' }, codec: { up: { id: 'uniform', bits: 3 }, down: { id: 'float32' } } } },
  { name: 'qgd', cfg: { algorithm: { name: 'qgd', lr: 0.1 } } },
  { name: 'qcmd', cfg: { algorithm: { name: 'qcmd' } } },
  { name: 'q-gadmm', cfg: { algorithm: { name: 'q-gadmm' }, model: { kind: 'linear' }, data: LS_DATA }, data: true },
  { name: 'malcom-psgd', cfg: { algorithm: { name: 'malcom-psgd' } } },
  { name: 'choco-qsgd', cfg: { algorithm: { name: 'choco-qsgd' } } },
  { name: 'dq-gd', cfg: { algorithm: { name: 'dq-gd' }, fleet: { devices: 1 }, model: { kind: 'linear' }, data: LS_DATA }, data: true },
];

for (const c of CASES) {
  test(`${c.name}: machines restored from their snapshots continue exactly as if never stopped`, async () => {
    const cfg = parseExperimentConfig({ job: 'snap', seed: 11, rounds: 6, fleet: { devices: 3 }, ...c.cfg });
    const job = createJob(cfg);
    const shards = c.data ? prepareFederatedData(cfg.data, job.devices.length, cfg.seed).shards : undefined;
    const dim = c.data ? shards![0]!.features + 1 : 5;
    const straight = await lockstep(job, dim, shards);
    const resumed = await lockstep(job, dim, shards, 3);
    assert.equal(resumed.length, straight.length);
    for (let r = 0; r < straight.length; r++) assert.deepEqual(resumed[r], straight[r], `round ${r + 1}`);
    // the run moved: a resume that restored nothing would not match a run that trains
    assert.notDeepEqual(straight[0], straight[straight.length - 1]);
  });
}

test('a snapshot is refused by another node or algorithm with a SnapshotError', () => {
  const job = createJob(parseExperimentConfig({ job: 'snap', fleet: { devices: 2 }, algorithm: { name: 'fedavg' } }));
  const mk = (j: Job, id: NodeId): NodeMachine => j.algorithm.createNode(nodeEnv(j, j.algorithm.nodes.find((n) => n.id === id)!, {
    dim: 3, initialParams: new Float32Array(3), log: nullLog, ...(id === 'gateway' ? {} : { learner: quadraticLearner(new Float32Array(3)) }),
  }));
  const bytes = mk(job, 'dev-01').snapshot!();
  assert.throws(() => mk(job, 'dev-02').restore!(bytes), SnapshotError);
  const sadmm = createJob(parseExperimentConfig({ job: 'snap', fleet: { devices: 2 }, algorithm: { name: 'local-sadmm' } }));
  assert.throws(() => mk(sadmm, 'dev-01').restore!(bytes), SnapshotError);
  assert.throws(() => mk(job, 'dev-01').restore!(new Uint8Array([1, 2, 3])), SnapshotError);
});

/** receivers of each message */
const toOf = new WeakMap<Inbound, readonly NodeId[]>();

/** Runs the job's machines in lockstep; with `resumeAfter`, replaces every node by a restored copy after that round. */
async function lockstep(job: Job, dim: number, shards: readonly Dataset[] | undefined, resumeAfter?: number): Promise<Float32Array[]> {
  const init = Float32Array.from({ length: dim }, (_, i) => 0.1 * (i + 1));
  const make = (id: NodeId): NodeMachine => {
    const spec = job.algorithm.nodes.find((n) => n.id === id)!;
    const k = job.devices.indexOf(id);
    const data = k >= 0 ? shards?.[k] : undefined;
    const learner = k >= 0 ? quadraticLearner(Float32Array.from({ length: dim }, (_, i) => (k + 1) * (i % 2 === 0 ? 1 : -1)), 10 * (k + 1)) : undefined;
    return job.algorithm.createNode(nodeEnv(job, spec, { dim, initialParams: init, log: nullLog, ...(learner ? { learner } : {}), ...(data ? { data } : {}) }));
  };
  const nodes = new Map(job.algorithm.nodes.map((n) => [n.id, make(n.id)]));
  let mail: Inbound[] = [];
  const models: Float32Array[] = [];
  for (let round = 1; round <= job.cfg.rounds; round++) {
    if (resumeAfter !== undefined && round === resumeAfter + 1) {
      for (const [id, node] of nodes) {
        const fresh = make(id);
        fresh.restore!(node.snapshot!());
        nodes.set(id, fresh);
      }
    }
    for (let phase = 0; phase < job.algorithm.phases.length; phase++) {
      const sent: Inbound[] = [];
      for (const [id, node] of nodes) {
        const keys = node.expects(round, phase);
        if (keys === null) continue;
        const inbox = keys.map((k) => mail.find((m) => m.from === k.from && m.round === k.round && m.phase === k.phase && toOf.get(m)!.includes(id))).filter((m): m is Inbound => m !== undefined);
        for (const out of await node.act(round, phase, inbox)) {
          const m: Inbound = { from: id, round, phase, codec: out.codec, dim: out.dim, body: out.body, payloadBits: out.payloadBits, ...(out.meta ? { meta: out.meta } : {}) };
          sent.push(m);
          toOf.set(m, out.to);
        }
      }
      mail = [...mail.filter((m) => m.round >= round - 1), ...sent];
    }
    const ms = new Map([...nodes].map(([id, n]) => [id, Float32Array.from(n.model())]));
    models.push(job.algorithm.evaluationModel(ms));
  }
  return models;
}
