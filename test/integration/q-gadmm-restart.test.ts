import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastSquaresOptimum } from '@edgefl/algorithms';
import { startMqttJob } from '../helpers/mqtt-job.js';

test('q-gadmm over MQTT: a peer that restarts mid-job gets its neighbours\' references and duals back by keyframes, and the job converges', async () => {
  const job = await startMqttJob({
    job: 'qg-restart', seed: 7, rounds: 120, fleet: { devices: 4 }, model: { kind: 'linear' },
    data: { dataset: { synthetic: 'least-squares', rows: 400, features: 6, target: 'planted', seed: 3 }, testFraction: 0.2, normalize: 'standard' },
    algorithm: { name: 'q-gadmm' }, transport: { roundTimeoutMs: 1_000 },
  });
  try {
    const finals = new Map<string, Float32Array>();
    const keepFinal = (device: string) => (r: number, model: Float32Array): void => {
      if (r === job.cfg.rounds) finals.set(device, Float32Array.from(model));
    };
    await Promise.all(['dev-01', 'dev-03', 'dev-04'].map((d) => job.agent(d, keepFinal(d))));
    const dev02 = await job.rebootingAgent('dev-02', 30, keepFinal('dev-02'));
    await job.finished();
    await dev02.rebooted();
    const log = job.log;
    assert.ok(log.lines.some((l) => l.msg === 'started mid-job; requesting keyframes from every neighbour' && l.obj['node'] === 'dev-02'));
    // dev-02 (a tail between heads dev-01 and dev-03) got both neighbours' keyframes; they got its own
    for (const from of ['dev-01', 'dev-03']) {
      assert.ok(log.lines.some((l) => l.msg === 'keyframe received; reference resynchronised' && l.obj['node'] === 'dev-02' && l.obj['from'] === from), `dev-02 got ${from}'s keyframe`);
    }
    assert.ok(log.lines.some((l) => l.msg === 'keyframe sent (a receiver asked to resynchronise)' && l.obj['node'] === 'dev-02'));
    assert.equal(finals.size, 4, 'every peer finished the last round');
    const mean = new Float32Array(7);
    for (const m of finals.values()) for (let i = 0; i < 7; i++) mean[i] = mean[i]! + m[i]! / 4;
    const gap = leastSquaresOptimum(job.data.train).gap(mean);
    assert.ok(gap <= 1e-6, `the job converges after the restart: gap ${gap}`);
  } finally {
    await job.close();
  }
});
