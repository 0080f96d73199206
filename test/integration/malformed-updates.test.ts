import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentConfig, deviceIds } from '@edgefl/config';
import { Rng } from '@edgefl/core';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { FleetClient, topics } from '@edgefl/transport';
import { frame } from '@edgefl/runtime';
import { CaptureLog, fleetCredentials } from './broker-helpers.js';

test('malformed updates from a client are rejected with a logged reason and the round still completes', async () => {
  const cfg = parseExperimentConfig({ job: 'hostile', seed: 3, rounds: 2, fleet: { devices: 2 }, transport: { roundTimeoutMs: 20_000 } });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const log = new CaptureLog();
  const rounds: number[] = [];
  const creds = await fleetCredentials(devices);
  const gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, experiment: cfg, devices, log, data, readyTimeoutMs: 20_000,
    onRoundEnd: (r) => rounds.push(r),
  });
  const url = `mqtt://127.0.0.1:${gw.broker.port}`;
  const dim = gw.aggregator.dim;
  // A compromised dev-01 (its own key and client id) sends three kinds of garbage on its uplink, then its real agent starts.
  const rogue = await FleetClient.connect({
    url, clientId: `edgefl-${cfg.job}-dev-01`, job: cfg.job, device: 'dev-01', maxMessageBytes: 262_144, qos: 1, ...creds.login('dev-01'),
  });
  const upTopic = topics.up(cfg.job, 'dev-01');
  const rng = new Rng(1);
  const random = new Uint8Array(300).map(() => rng.int(256));
  const valid = (d: number) => frame({ to: ['gateway'], codec: { id: 'float32' }, dim: d, body: new Uint8Array(4 * d), payloadBits: 32 * d }, cfg.job, 'dev-01', 1, 1, 0);
  const good = valid(dim);
  await rogue.publish(upTopic, random);
  await rogue.publish(upTopic, good.subarray(0, good.length >> 1));
  await rogue.publish(upTopic, valid(dim + 3));
  await rogue.close();
  const agents = await Promise.all(devices.map((device, i) => startAgent({ url, device, job: cfg.job, log, data: data.shards[i]!, jobTimeoutMs: 20_000, ...creds.login(device) })));
  try {
    const final = await gw.aggregator.done;
    await Promise.all(agents.map((a) => a.done));
    assert.deepEqual(rounds, [1, 2], 'both rounds completed');
    assert.ok(final !== null && final.some((v) => v !== 0));
    const rejected = log.lines.filter((l) => l.msg === 'message refused' && l.obj['topic'] === upTopic);
    assert.equal(rejected.length, 3, JSON.stringify(rejected.map((l) => l.obj['detail'])));
    const reasons = rejected.map((l) => String(l.obj['detail']));
    assert.match(reasons[0]!, /CBOR|array/);
    assert.match(reasons[1]!, /CBOR|truncat|short|end/i);
    assert.match(reasons[2]!, new RegExp(`dim|dimension`));
    // The real dev-01 update of each round was still aggregated (no "acting without late messages").
    assert.equal(log.problems('acting without late messages').length, 0);
  } finally {
    await rogue.close();
    for (const a of agents) await a.close();
    await gw.close();
  }
});
