import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '@edgefl/gateway';
import { FleetClient } from '@edgefl/transport';
import { CaptureLog } from './broker-helpers.js';

test('FleetClient.close does not wait on a broker that never acknowledges the offline status: it gives up after its bound and disconnects', async () => {
  // A broker that stops acknowledging (as a gateway going away does): once `stalling`, its
  // publish hook holds every decision. Held decisions are released at teardown, so the
  // broker's own close cannot hang on them.
  let stalling = false;
  const held: ((ok: boolean) => void)[] = [];
  const broker = await startBroker({
    host: '127.0.0.1', port: 0, maxMessageBytes: 64 * 1024,
    authorizePublish: () => (stalling ? new Promise<boolean>((resolve) => held.push(resolve)) : true),
  });
  const log = new CaptureLog();
  try {
    const client = await FleetClient.connect({ url: broker.url, clientId: 'close-probe', job: 'close', device: 'dev-01', maxMessageBytes: 64 * 1024, qos: 1, logger: log });
    stalling = true;
    await client.close();
    // it did publish `offline`, the broker held it, and close() left without the acknowledgement
    // (the will the broker publishes once the socket closes is held too)
    assert.ok(held.length >= 1, 'the offline status reached the broker and was held');
    assert.equal(log.problems('could not publish offline status').length, 1);
    assert.ok(log.problems('could not publish offline status')[0]!.obj['err']?.toString().includes('no acknowledgement'));
    assert.equal(client.connected, false);
    assert.equal(client.raw.disconnected || client.raw.disconnecting, true);
  } finally {
    for (const release of held.splice(0)) release(false);
    await broker.close();
  }
});
