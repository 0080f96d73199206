/**
 * The floor under `edgefl bench fleet`'s 1,000-agent row: what the MQTT stack alone — aedes
 * and plain mqtt.js clients, no edgefl code — costs for a fleet's start and rounds on this
 * machine. The broker runs in this thread (as the gateway's does in `edgefl sim`), the
 * clients in one worker thread (as the sim's agents do), with the agents' message sizes of
 * `configs/quickstart.yaml` at 1,000 devices:
 * - start: connect (persistent session, a will), retained `online` (QoS 1), subscribe to
 *   the job topic and take its retained announcement (0.75 kB), subscribe to two inbox
 *   topics, retained `ready`; timed until the aggregator client heard every `ready`;
 * - a round: the aggregator publishes the model (9,640 B, QoS 1) on the broadcast topic and
 *   every client answers with an update (2,540 B, QoS 1); timed until the last arrived.
 * No training, no framing, no envelope: what is left of a run over MQTT once edgefl's own
 * work is gone. aedes gets edgefl's indexed retained store (`retainedIndexedMemory`), since
 * its default one matches every retained topic against every subscription (n² at start).
 *   node --conditions=edgefl-source --import tsx test/bench/fleet-mqtt-floor.bench.ts [--devices 1000] [--rounds 5]
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { startModuleWorker } from '@edgefl/core/module-worker';
import { retainedIndexedMemory } from '@edgefl/gateway';
import { FLOOR_JOB, MODEL_BYTES, ANNOUNCEMENT_BYTES } from './fleet-mqtt-floor-clients.js';
import { intArg } from './int-arg.js';

const devices = intArg('devices', 1000);
const rounds = intArg('rounds', 5);
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};
const until = (cond: () => boolean): Promise<void> => new Promise((resolve) => {
  const t = setInterval(() => {
    if (cond()) {
      clearInterval(t);
      resolve();
    }
  }, 1);
});

const aedes = await Aedes.createBroker({ persistence: retainedIndexedMemory() });
const server = createServer((socket) => {
  socket.setNoDelay(true);
  aedes.handle(socket);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
const aggregator = await mqtt.connectAsync(url, { clientId: 'floor-aggregator', protocolVersion: 4, clean: false });
let ready = 0;
let updates = 0;
aggregator.on('message', (topic, payload) => {
  if (topic.startsWith(`${FLOOR_JOB}/up/`)) updates++;
  else if (payload.toString() === 'ready') ready++;
});
await aggregator.subscribeAsync([`${FLOOR_JOB}/status/+`, `${FLOOR_JOB}/up/+`], { qos: 1 });
await aggregator.publishAsync(`${FLOOR_JOB}/ctl`, Buffer.alloc(ANNOUNCEMENT_BYTES, 1), { qos: 1, retain: true });

const clients = startModuleWorker(import.meta.url, 'fleet-mqtt-floor-clients', { workerData: { url, devices } });
await new Promise((resolve) => clients.once('message', resolve));
const t0 = performance.now();
const c0 = process.cpuUsage();
clients.postMessage('start');
await until(() => ready >= devices);
console.log(`plain aedes + mqtt.js, ${devices} clients in a worker: start (connect … every ready) ${(performance.now() - t0).toFixed(0)} ms, process CPU ${cpuMs(c0).toFixed(0)} ms`);
const model = Buffer.alloc(MODEL_BYTES, 2);
for (let r = 1; r <= rounds; r++) {
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  updates = 0;
  await aggregator.publishAsync(`${FLOOR_JOB}/down`, model, { qos: 1 });
  await until(() => updates >= devices);
  console.log(`round ${r}: broadcast and ${devices} updates ${(performance.now() - t1).toFixed(0)} ms, process CPU ${cpuMs(c1).toFixed(0)} ms`);
}
clients.postMessage('close');
await new Promise((resolve) => clients.once('exit', resolve));
await aggregator.endAsync();
await new Promise<void>((resolve) => aedes.close(() => resolve()));
server.close();
