import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig, deviceIds } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway } from '@edgefl/gateway';
import { startAgent, type RunningAgent } from '@edgefl/agent';
import { leastSquaresOptimum } from '@edgefl/algorithms';
import { CaptureLog, fleetCredentials } from './broker-helpers.js';

test('q-gadmm over MQTT: a peer that restarts mid-job gets its neighbours\' references and duals back by keyframes, and the job converges', async () => {
  const cfg = parseExperimentConfig({
    job: 'qg-restart', seed: 7, rounds: 120, fleet: { devices: 4 }, model: { kind: 'linear' },
    data: { dataset: { synthetic: 'least-squares', rows: 400, features: 6, target: 'planted', seed: 3 }, testFraction: 0.2, normalize: 'standard' },
    algorithm: { name: 'q-gadmm' }, transport: { roundTimeoutMs: 1_000 },
  });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const log = new CaptureLog();
  const creds = await fleetCredentials(devices);
  const gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, experiment: cfg, devices, log, data, readyTimeoutMs: 20_000 });
  const url = `mqtt://127.0.0.1:${gw.broker.port}`;
  const finals = new Map<string, Float32Array>();
  const agent = (device: string, onRoundEnd?: (r: number) => void): Promise<RunningAgent> =>
    startAgent({
      url, device, job: cfg.job, log, data: data.shards[devices.indexOf(device)]!, jobTimeoutMs: 20_000, ...creds.login(device),
      onRoundEnd: (r, model) => { if (r === cfg.rounds) finals.set(device, Float32Array.from(model)); onRoundEnd?.(r); },
    });
  let restarted: Promise<RunningAgent> | undefined;
  const others = await Promise.all(['dev-01', 'dev-03', 'dev-04'].map((d) => agent(d)));
  let second: RunningAgent | undefined;
  second = await agent('dev-02', (r) => {
    if (r === 30 && !restarted) restarted = second!.close().then(() => agent('dev-02'));
  });
  try {
    await gw.aggregator.done;
    await Promise.all(others.map((a) => a.done));
    const again = await restarted!;
    await again.done;
    assert.ok(log.lines.some((l) => l.msg === 'started mid-job; requesting keyframes from every neighbour' && l.obj['node'] === 'dev-02'));
    // dev-02 (a tail between heads dev-01 and dev-03) got both neighbours' keyframes; they got its own
    for (const from of ['dev-01', 'dev-03']) {
      assert.ok(log.lines.some((l) => l.msg === 'keyframe received; reference resynchronised' && l.obj['node'] === 'dev-02' && l.obj['from'] === from), `dev-02 got ${from}'s keyframe`);
    }
    assert.ok(log.lines.some((l) => l.msg === 'keyframe sent (a receiver asked to resynchronise)' && l.obj['node'] === 'dev-02'));
    assert.equal(finals.size, 4, 'every peer finished the last round');
    const mean = new Float32Array(7);
    for (const m of finals.values()) for (let i = 0; i < 7; i++) mean[i] = mean[i]! + m[i]! / 4;
    const gap = leastSquaresOptimum(data.train).gap(mean);
    assert.ok(gap <= 1e-6, `the job converges after the restart: gap ${gap}`);
    await again.close();
  } finally {
    for (const a of others) await a.close();
    await gw.close();
  }
});
