import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import mqtt from 'mqtt';
import { retainedIndexedMemory, startBroker } from '@edgefl/gateway';

// aedes-persistence's own contract suite (what every aedes persistence must do), run
// against the indexed store: retained messages, subscriptions, QoS 1/2 queues, wills.
const abstractPersistence = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (o: { test: typeof test; persistence: () => unknown }) => void;
abstractPersistence({ test, persistence: retainedIndexedMemory });

test('retained lookup: exact and wildcard filters get what the broker retained, a cleared topic nothing', async () => {
  const broker = await startBroker({ port: 0, host: '127.0.0.1', maxMessageBytes: 65536 });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const pub = await mqtt.connectAsync(url, { clientId: 'pub' });
  try {
    for (let i = 0; i < 50; i++) await pub.publishAsync(`j/status/d${i}`, `s${i}`, { retain: true, qos: 1 });
    await pub.publishAsync('j/ctl', 'job', { retain: true, qos: 1 });
    await pub.publishAsync('j/status/d7', '', { retain: true, qos: 1 }); // cleared
    const received = async (filters: string[], expect: number): Promise<Map<string, string>> => {
      const sub = await mqtt.connectAsync(url, { clientId: `sub-${filters.join(',')}` });
      const got = new Map<string, string>();
      const all = new Promise<void>((resolve) => sub.on('message', (t, p) => {
        got.set(t, p.toString());
        if (got.size === expect) resolve();
      }));
      await sub.subscribeAsync(filters, { qos: 1 });
      if (expect > 0) await all;
      // one more round trip through the broker: nothing else arrives after it
      await sub.publishAsync('x/flush', 'f', { qos: 1 });
      await sub.endAsync();
      return got;
    };
    assert.deepEqual([...await received(['j/ctl', 'j/status/d3'], 2)].sort(), [['j/ctl', 'job'], ['j/status/d3', 's3']]);
    assert.equal((await received(['j/status/d7', 'j/nothing'], 0)).size, 0);
    const wild = await received(['j/status/+'], 49);
    assert.equal(wild.size, 49);
    assert.equal(wild.get('j/status/d49'), 's49');
    assert.equal(wild.has('j/status/d7'), false);
  } finally {
    await pub.endAsync();
    await broker.close();
  }
});
