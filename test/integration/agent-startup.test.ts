import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLog } from '@edgefl/core';
import { startBroker } from '@edgefl/gateway';
import { startAgent } from '@edgefl/agent';
import { TransportError, topics } from '@edgefl/transport';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('an agent refused the job topic fails at once as a TransportError, leaving no job timer behind', async () => {
  const broker = await startBroker({
    host: '127.0.0.1', port: 0, maxMessageBytes: 262_144, authorizeSubscribe: (_client, filter) => filter !== topics.ctl('locked'),
  });
  try {
    const before = timers();
    await assert.rejects(
      startAgent({
        url: broker.url, device: 'dev-01', job: 'locked', log: nullLog, jobTimeoutMs: 600_000,
        data: { name: 'tiny', n: 1, features: 1, x: new Float32Array(1), y: new Float32Array(1), classes: 2 },
      }),
      (e: unknown) => e instanceof TransportError && /refused the subscription to edgefl\/v1\/locked\/ctl/.test(e.message),
    );
    assert.equal(timers(), before, 'the 10-minute job timer was left running');
  } finally {
    await broker.close();
  }
});
