import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog, type Log } from '@edgefl/core';
import { fedAvg } from '@edgefl/algorithms';
import { quadraticLearner } from '../../helpers/quadratic-learner.js';
import { MemoryNetwork, TrafficAccounting, RoundTracker, countTraffic, createJob, nodeEnv, runNode } from '@edgefl/runtime';
import { parseExperimentConfig } from '@edgefl/config';

const quadratic = quadraticLearner;

test('FedAvg adds the sample-weighted mean of the workers\' deltas (float32 codecs, memory driver)', async () => {
  const cfg = parseExperimentConfig({
    job: 'fedavg-unit', rounds: 2, fleet: { devices: 3 },
    algorithm: { localSteps: 1, lr: 0.5, batchSize: 1 }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
  });
  const job = createJob(cfg);
  const dim = 4;
  const centers = [[1, 2, 3, 4], [-1, 0, 1, 2], [5, 5, 5, 5]].map((c) => Float32Array.from(c));
  const samples = [10, 30, 60];
  const init = new Float32Array(dim);
  const models: Float32Array[] = [];
  const accounting = new TrafficAccounting(cfg.transport.maxMessageBytes, 1);
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: { dim, maxBytes: 1 << 20, phases: job.algorithm.phases.length }, log: nullLog });
  const tracker = new RoundTracker(job.algorithm.nodes.map((n) => n.id), (_r, m) => models.push(job.algorithm.evaluationModel(m)));
  await Promise.all(job.algorithm.nodes.map((spec) => {
    const k = job.devices.indexOf(spec.id);
    const learner = k >= 0 ? quadratic(centers[k]!, samples[k]!) : undefined;
    const node = job.algorithm.createNode(nodeEnv(job, spec, { dim, initialParams: init, log: nullLog as Log, ...(learner ? { learner } : {}) }));
    return runNode(node, countTraffic(accounting)(net.port(spec), spec), { rounds: 2, phases: 3, phaseTimeoutMs: 5000, log: nullLog, onRoundEnd: tracker.hook(spec.id) });
  }));
  // θ₁ = θ₀ + Σ w_k (c_k − θ₀)·lr / Σ w_k, with lr = 0.5 and weights 10:30:60.
  let theta = Array.from(init);
  for (let r = 0; r < 2; r++) {
    theta = theta.map((t, i) => t + samples.reduce((s, w, k) => s + w * 0.5 * (centers[k]![i]! - t), 0) / 100);
    for (let i = 0; i < dim; i++) assert.ok(Math.abs(models[r]![i]! - theta[i]!) < 1e-5, `round ${r + 1} coordinate ${i}: ${models[r]![i]} vs ${theta[i]}`);
  }
  // Every device sent one 32-bit-per-coordinate update per round; the broadcast is counted once.
  assert.equal(accounting.totals().payloadBits, 2 * (32 * dim + 3 * 32 * dim));
});

test('FedAvg refuses a fleet without workers', () => {
  assert.throws(() => fedAvg('gateway', [], { localSteps: 1, lr: 0.1, batchSize: 1, up: { id: 'float32' }, down: { id: 'float32' } }), /at least one worker/);
});

test('a FedAvg worker skips a round whose broadcast body does not decode, and trains on the next one', async () => {
  const cfg = parseExperimentConfig({
    job: 'fedavg-hostile', rounds: 2, fleet: { devices: 1 },
    algorithm: { localSteps: 1, lr: 0.5, batchSize: 1 }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
  });
  const job = createJob(cfg);
  const dim = 4;
  const warnings: string[] = [];
  const log: Log = { ...nullLog, warn: (_o, msg) => void warnings.push(msg ?? ''), child: () => log };
  const spec = job.algorithm.nodes.find((n) => n.role === 'worker')!;
  const worker = job.algorithm.createNode(nodeEnv(job, spec, {
    dim, initialParams: new Float32Array(dim), log, learner: quadratic(Float32Array.from([2, 2, 2, 2]), 1),
  }));
  const broadcast = (round: number, body: Uint8Array) => ({
    from: job.server, round, phase: 0, codec: { id: 'float32' }, dim, body, payloadBits: 8 * body.length,
  });
  // Three bytes cannot hold four float32 values: the codec refuses them.
  assert.deepEqual(await worker.act(1, 1, [broadcast(1, new Uint8Array(3))]), []);
  assert.deepEqual(warnings, ['global model rejected; skipping this round']);
  const outs = await worker.act(2, 1, [broadcast(2, new Uint8Array(new Float32Array(dim).buffer))]);
  assert.equal(outs.length, 1);
  // θ' − θ = lr·(c − θ) = 0.5·2 from θ = 0.
  assert.deepEqual(Array.from(new Float32Array(outs[0]!.body.slice().buffer)), [1, 1, 1, 1]);
});

test('FedAvg weighs an update whose sample count is not a count as 1: a claim of 1e308 samples cannot make the model NaN', async () => {
  const cfg = parseExperimentConfig({
    job: 'fedavg-weights', rounds: 1, fleet: { devices: 2 },
    algorithm: { localSteps: 1, lr: 0.5, batchSize: 1 }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
  });
  const job = createJob(cfg);
  const dim = 2;
  const server = job.algorithm.createNode(nodeEnv(job, job.algorithm.nodes[0]!, { dim, initialParams: new Float32Array(dim), log: nullLog }));
  const update = (from: string, delta: number[], samples: number) => {
    const body = new Uint8Array(Float32Array.from(delta).buffer);
    return { from, round: 1, phase: 1, codec: { id: 'float32' }, dim, body, payloadBits: 8 * body.length, meta: { samples } };
  };
  for (const lie of [1e308, 2.5, -3, 2 ** 32]) {
    await server.act(1, 2, [update('dev-01', [4, 4], lie), update('dev-02', [2, 2], 1)]);
  }
  // Each round: θ += (1·4 + 1·2) / 2 = 3, four times.
  assert.deepEqual(Array.from(server.model()), [12, 12]);
});

/** One round of FedAvg with float32 codecs over the memory driver: the global model after it. */
async function oneRound(algorithm: Record<string, unknown>, centers: Float32Array[]): Promise<Float32Array> {
  const cfg = parseExperimentConfig({
    job: 'fedavg-robust', rounds: 1, fleet: { devices: centers.length },
    // admission off (a huge bound), so the rules alone are seen; by default the outlier would be refused
    algorithm: { localSteps: 1, lr: 0.5, batchSize: 1, admission: { maxNormRatio: 1e12 }, ...algorithm }, codec: { up: { id: 'float32' }, down: { id: 'float32' } },
  });
  const job = createJob(cfg);
  const dim = centers[0]!.length;
  const init = new Float32Array(dim);
  const net = new MemoryNetwork({ job: cfg.job, algorithm: job.algorithm, expect: { dim, maxBytes: 1 << 20, phases: 3 }, log: nullLog });
  let model = new Float32Array(0);
  await Promise.all(job.algorithm.nodes.map((spec) => {
    const k = job.devices.indexOf(spec.id);
    const learner = k >= 0 ? quadratic(centers[k]!, 10) : undefined;
    const node = job.algorithm.createNode(nodeEnv(job, spec, { dim, initialParams: init, log: nullLog as Log, ...(learner ? { learner } : {}) }));
    return runNode(node, net.port(spec), { rounds: 1, phases: 3, phaseTimeoutMs: 5000, log: nullLog, onRoundEnd: (_r, m) => { if (spec.role === 'server') model = Float32Array.from(m); } });
  }));
  return model;
}

test('FedAvg robust aggregation: median and trimmed mean ignore an outlying worker the mean follows; clip bounds it', async () => {
  const centers = [[1, 2], [3, -2], [2, 0], [1000, -1000]].map((c) => Float32Array.from(c));
  // each delta is 0.5·c_k from θ₀ = 0 (one step of lr 0.5 on ½‖θ − c_k‖²)
  const mean = await oneRound({}, centers);
  assert.ok(Math.abs(mean[0]! - 0.5 * (1006 / 4)) < 1e-3, `mean follows the outlier: ${mean[0]}`);
  const median = await oneRound({ aggregation: { rule: 'median' } }, centers);
  assert.deepEqual([...median], [0.5 * 2.5, 0.5 * -1]);
  const trimmed = await oneRound({ aggregation: { rule: 'trimmed-mean', trim: 0.25 } }, centers);
  assert.deepEqual([...trimmed], [0.5 * 2.5, 0.5 * -1]);
  // clip at 1× the median norm: the outlier's delta shrinks to the median norm, so it moves θ by at most that
  const clipped = await oneRound({ aggregation: { rule: 'mean', clip: 1 } }, centers);
  const norm = Math.hypot(clipped[0]!, clipped[1]!);
  assert.ok(norm < 2, `clipped step norm ${norm}`);
});
