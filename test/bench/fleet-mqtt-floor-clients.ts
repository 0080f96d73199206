/** The clients of fleet-mqtt-floor.bench.ts: one plain mqtt.js client per device, all in this worker thread. */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

export const FLOOR_JOB = 'floor';
/** the quickstart model (2,410 float32) and a 1,000-device quickstart's update and announcement */
export const MODEL_BYTES = 9640;
export const UPDATE_BYTES = 2540;
export const ANNOUNCEMENT_BYTES = 750;

async function device(url: string, i: number): Promise<mqtt.MqttClient> {
  const status = `${FLOOR_JOB}/status/d${i}`;
  const c = await mqtt.connectAsync(url, { clientId: `floor-d${i}`, protocolVersion: 4, clean: false, will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true } });
  (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await c.publishAsync(status, 'online', { qos: 1, retain: true });
  await new Promise<void>((resolve) => {
    c.once('message', () => resolve());
    c.subscribe(`${FLOOR_JOB}/ctl`, { qos: 1 });
  });
  await c.subscribeAsync([`${FLOOR_JOB}/down`, `${FLOOR_JOB}/down/d${i}`], { qos: 1 });
  const update = Buffer.alloc(UPDATE_BYTES, 3);
  c.on('message', (topic) => {
    if (topic === `${FLOOR_JOB}/down`) c.publish(`${FLOOR_JOB}/up/d${i}`, update, { qos: 1 });
  });
  await c.publishAsync(status, 'ready', { qos: 1, retain: true });
  return c;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { url, devices } = workerData as { url: string; devices: number };
  // loaded: the start is timed from here, without this thread's module loading
  port.postMessage('loaded');
  await new Promise((resolve) => port.once('message', resolve));
  const clients = await Promise.all(Array.from({ length: devices }, (_, i) => device(url, i)));
  port.once('message', () => void Promise.all(clients.map((c) => c.endAsync(true))).then(() => process.exit(0)));
}
