import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '@edgefl/core';
import { FleetClient, topics } from '@edgefl/transport';
import { frame } from '@edgefl/runtime';
import { startMqttJob } from '../helpers/mqtt-job.js';

test('malformed updates from a client are rejected with a logged reason and the round still completes', async () => {
  const rounds: number[] = [];
  const job = await startMqttJob(
    { job: 'hostile', seed: 3, rounds: 2, fleet: { devices: 2 }, transport: { roundTimeoutMs: 20_000 } },
    { gateway: { onRoundEnd: (r) => rounds.push(r) } },
  );
  const { cfg, gateway: gw, log, url } = job;
  const dim = gw.aggregator.dim;
  // A compromised dev-01 (its own key and client id) sends three kinds of garbage on its uplink, then its real agent starts.
  const rogue = await FleetClient.connect({
    url, clientId: `edgefl-${cfg.job}-dev-01`, job: cfg.job, device: 'dev-01', maxMessageBytes: 262_144, qos: 1, ...job.login('dev-01'),
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
  await Promise.all(job.devices.map((device) => job.agent(device)));
  try {
    const final = await gw.aggregator.done;
    await job.finished();
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
    await job.close();
  }
});
