/**
 * Cost of the transport layer against references measured in the same run (`edgefl bench broker`):
 * - splitMessage / Reassembler vs one plain copy of the message (`Uint8Array.set`);
 * - a message through aedes on loopback with FleetClient (chunk, publish QoS 1, reassemble)
 *   vs the same bytes published raw with mqtt.js in pieces of the same size (no frames, no
 *   reassembly): the ratio is what edgefl's framing and bookkeeping cost over plain MQTT.
 */
import { connectMqttAsync } from '@edgefl/transport';
import { bestMs, type BenchRow } from '@edgefl/core';
import { FleetClient, Reassembler, filters, messageWireBytes, splitMessage, topics } from '@edgefl/transport';
import { startBroker } from '../broker.js';

async function alternateBestMs(a: () => Promise<unknown>, b: () => Promise<unknown>, pairs: number): Promise<{ a: number; b: number }> {
  await a();
  await b();
  const best = { a: Infinity, b: Infinity };
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < pairs; i++) {
    if (i % 2 === 0) {
      best.a = Math.min(best.a, await time(a));
      best.b = Math.min(best.b, await time(b));
    } else {
      best.b = Math.min(best.b, await time(b));
      best.a = Math.min(best.a, await time(a));
    }
  }
  return best;
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1e3);

export async function benchTransport(messageBytes = 5 * 1024 * 1024, limit = 256 * 1024): Promise<{ reference: BenchRow; results: BenchRow[] }> {
  const msg = new Uint8Array(messageBytes);
  for (let i = 0; i < msg.length; i++) msg[i] = (i * 2654435761) >>> 24;
  const results: BenchRow[] = [];

  const copyTarget = new Uint8Array(messageBytes);
  const copyMs = bestMs(() => copyTarget.set(msg), 200);
  const reference: BenchRow = { name: 'Uint8Array.set copy (reference)', value: mbps(messageBytes, copyMs), unit: 'MB/s', ratioToReference: 1 };

  const splitMs = bestMs(() => splitMessage(1, msg, limit), 200);
  results.push({ name: 'splitMessage', value: mbps(messageBytes, splitMs), unit: 'MB/s', ratioToReference: copyMs / splitMs });
  const frames = splitMessage(1, msg, limit);
  let id = 0;
  const reMs = bestMs(() => {
    const r = new Reassembler({ maxMessageBytes: messageBytes });
    const f = splitMessage(++id, msg, limit);
    for (const x of f) r.push('s', x);
  }, 200);
  results.push({ name: 'splitMessage + Reassembler', value: mbps(messageBytes, reMs), unit: 'MB/s', ratioToReference: copyMs / reMs, chunks: frames.length });

  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: limit });
  const common = { url: broker.url, job: 'bench', maxMessageBytes: limit, qos: 1 as const };
  const agg = await FleetClient.connect({ ...common, clientId: 'bench-agg', device: 'gateway' });
  const dev = await FleetClient.connect({ ...common, clientId: 'bench-dev', device: 'dev-01' });
  const raw = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'bench-raw-sub' });
  const rawPub = await connectMqttAsync(broker.url, { protocolVersion: 4, clientId: 'bench-raw-pub' });
  try {
    let waiting: (() => void) | null = null;
    await agg.subscribe(filters.allUp('bench'), () => waiting?.());
    const topic = topics.up('bench', 'dev-01');
    const fleetOnce = async (): Promise<void> => {
      const got = new Promise<void>((r) => (waiting = r));
      await dev.publish(topic, msg);
      await got;
    };

    // Raw MQTT: the same bytes in pieces of the same payload size, counted on arrival.
    const rawTopic = 'bench/raw';
    await raw.subscribeAsync(rawTopic, { qos: 1 });
    const piece = limit - 17;
    const pieces = Math.ceil(messageBytes / piece);
    let arrived = 0;
    let rawDone: (() => void) | null = null;
    raw.on('message', () => {
      if (++arrived === pieces) rawDone?.();
    });
    const rawOnce = async (): Promise<void> => {
      arrived = 0;
      const done = new Promise<void>((r) => (rawDone = r));
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < pieces; i++) sends.push(rawPub.publishAsync(rawTopic, Buffer.from(msg.buffer, i * piece, Math.min(piece, messageBytes - i * piece)), { qos: 1 }));
      await Promise.all(sends);
      await done;
    };
    // Alternating (fleet, raw, raw, fleet, …) so both meet the same machine load; best of each.
    const { a: fleetMs, b: rawMs } = await alternateBestMs(fleetOnce, rawOnce, 8);
    results.push({ name: 'raw mqtt.js pieces through aedes (loopback reference)', value: mbps(messageBytes, rawMs), unit: 'MB/s', ratioToReference: copyMs / rawMs });
    results.push({
      name: 'FleetClient publish → aedes → reassembled',
      value: mbps(messageBytes, fleetMs),
      unit: 'MB/s',
      ratioToReference: copyMs / fleetMs,
      ratioToRawMqtt: rawMs / fleetMs,
      wireBytes: messageWireBytes(topic, messageBytes, limit, 1),
      wireOverheadPercent: (100 * (messageWireBytes(topic, messageBytes, limit, 1) - messageBytes)) / messageBytes,
    });
  } finally {
    raw.end(true);
    rawPub.end(true);
    await dev.close();
    await agg.close();
    await broker.close();
  }
  return { reference, results };
}
