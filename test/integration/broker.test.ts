import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker } from '@edgefl/gateway';
import type { RunningBroker } from '@edgefl/gateway';
import { FleetClient, topics, filters } from '@edgefl/transport';
import { CaptureLog, patternBytes, until } from './broker-helpers.js';

const JOB = 'itest';
const LIMIT = 256 * 1024;
let broker: RunningBroker;
const brokerLog = new CaptureLog();

before(async () => {
  broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: LIMIT, logger: brokerLog });
});
after(async () => {
  await broker.close();
});

const open: FleetClient[] = [];
afterEach(async () => {
  // Close what a failed test left open, so the file still ends.
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function connect(device: string, log = new CaptureLog()): Promise<FleetClient> {
  const c = await FleetClient.connect({ url: broker.url, clientId: `${JOB}-${device}`, job: JOB, device, maxMessageBytes: LIMIT, qos: 1, logger: log });
  open.push(c);
  return c;
}

test('a message published on up/{device} reaches the aggregator unchanged', async () => {
  const agg = await connect('gateway');
  const dev = await connect('dev-01');
  const got: [string, Uint8Array][] = [];
  await agg.subscribe(filters.allUp(JOB), (t, b) => void got.push([t, b]));
  const msg = patternBytes(1000, 7);
  await dev.publish(topics.up(JOB, 'dev-01'), msg, { link: { from: 'dev-01', to: 'gateway', payloadBits: 8000 } });
  await until(() => got.length === 1, 'the up message');
  assert.equal(got[0]![0], topics.up(JOB, 'dev-01'));
  assert.deepEqual(new Uint8Array(got[0]![1]), msg);
});

test('a 5 MB message with a 256 kB limit is chunked and reassembled bit-exactly', async () => {
  const agg = await connect('gateway');
  const dev = await connect('dev-02');
  const got: Uint8Array[] = [];
  await agg.subscribe(filters.allUp(JOB), (_t, b) => void got.push(b));
  const msg = patternBytes(5 * 1024 * 1024, 99);
  const receipt = await dev.publish(topics.up(JOB, 'dev-02'), msg);
  assert.equal(receipt.packets, Math.ceil(msg.length / (LIMIT - 17)));
  await until(() => got.length === 1, 'the reassembled message');
  assert.equal(got[0]!.length, msg.length);
  assert.ok(Buffer.from(got[0]!).equals(Buffer.from(msg)), 'bytes differ after reassembly');
  assert.equal(brokerLog.problems('publish refused').length, 0);
});
