import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMqttJob } from '../helpers/mqtt-job.js';

test('an agent that restarts mid-job rejoins at the gateway\'s round and takes part in every later round', async () => {
  const job = await startMqttJob({ job: 'rejoin', seed: 5, rounds: 6, fleet: { devices: 2 }, transport: { roundTimeoutMs: 2_000 } });
  try {
    const rejoined: number[] = [];
    await job.agent('dev-01');
    // The device reboots right after its round-2 update.
    const dev02 = await job.rebootingAgent('dev-02', 2, (r, _model, by) => { if (by === 'rebooted') rejoined.push(r); });
    await job.finished();
    await dev02.rebooted();
    assert.ok(rejoined.length > 0, 'the restarted agent ran rounds');
    assert.ok(rejoined[0]! >= 3, `it started at the gateway's round (${rejoined[0]}), not at round 1`);
    assert.equal(rejoined[rejoined.length - 1], 6);
    // The aggregator missed dev-02 in at most the round it was restarting during.
    const missed = job.log.lines.filter((l) => l.msg === 'acting without late messages' && l.obj['node'] === 'gateway'
      && (l.obj['missing'] as string[]).includes('dev-02')).map((l) => l.obj['round']);
    assert.ok(missed.length <= 1, `rounds without dev-02: ${JSON.stringify(missed)}`);
    assert.ok(job.log.lines.some((l) => l.msg === 'joining a running job'));
  } finally {
    await job.close();
  }
});
