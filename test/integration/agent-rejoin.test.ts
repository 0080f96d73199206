import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig, deviceIds } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway } from '@edgefl/gateway';
import { startAgent, type RunningAgent } from '@edgefl/agent';
import { CaptureLog, fleetCredentials } from './broker-helpers.js';

test('an agent that restarts mid-job rejoins at the gateway\'s round and takes part in every later round', async () => {
  const cfg = parseExperimentConfig({ job: 'rejoin', seed: 5, rounds: 6, fleet: { devices: 2 }, transport: { roundTimeoutMs: 2_000 } });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const log = new CaptureLog();
  const creds = await fleetCredentials(devices);
  const gw = await startGateway({ listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, experiment: cfg, devices, log, data, readyTimeoutMs: 20_000 });
  const url = `mqtt://127.0.0.1:${gw.broker.port}`;
  const agent = (device: string, onRoundEnd?: (r: number) => void): Promise<RunningAgent> =>
    startAgent({ url, device, job: cfg.job, log, data: data.shards[devices.indexOf(device)]!, jobTimeoutMs: 20_000, ...creds.login(device), ...(onRoundEnd ? { onRoundEnd } : {}) });

  const rejoined: number[] = [];
  let restarted: Promise<RunningAgent> | undefined;
  const first = await agent('dev-01');
  let second: RunningAgent | undefined;
  second = await agent('dev-02', (r) => {
    // The device reboots right after its round-2 update.
    if (r === 2 && !restarted) restarted = second!.close().then(() => agent('dev-02', (r2) => rejoined.push(r2)));
  });
  try {
    await gw.aggregator.done;
    await first.done;
    const again = await restarted!;
    await again.done;
    assert.ok(rejoined.length > 0, 'the restarted agent ran rounds');
    assert.ok(rejoined[0]! >= 3, `it started at the gateway's round (${rejoined[0]}), not at round 1`);
    assert.equal(rejoined[rejoined.length - 1], 6);
    // The aggregator missed dev-02 in at most the round it was restarting during.
    const missed = log.lines.filter((l) => l.msg === 'acting without late messages' && l.obj['node'] === 'gateway'
      && (l.obj['missing'] as string[]).includes('dev-02')).map((l) => l.obj['round']);
    assert.ok(missed.length <= 1, `rounds without dev-02: ${JSON.stringify(missed)}`);
    assert.ok(log.lines.some((l) => l.msg === 'joining a running job'));
    await again.close();
  } finally {
    await first.close();
    await gw.close();
  }
});
