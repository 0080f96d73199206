/**
 * `edgefl bench broker --against mosquitto`: the same loopback load against the gateway's
 * broker (aedes behind the length guard, counters and hooks, as `edgefl gateway` runs it) and
 * against Debian's Mosquitto started here, alternating broker by broker so both see the same
 * machine load. Every row's `ratioToReference` is edgefl ÷ mosquitto as a rate (higher is better).
 */
import type { BenchRow } from '@edgefl/core';
import { startBroker } from '../broker.js';
import { cpuMs, mainThreadCpuMs } from './cpu-time.js';
import { startMosquitto } from './mosquitto.js';
import { runLoadInWorker } from './mqtt-load.js';
import type { FanInResult, MqttLoad, PingPongResult } from './mqtt-load.js';

export interface VsMosquittoOptions {
  /** fewer messages and one repetition instead of three (noisier) */
  readonly quick?: boolean;
  /** path of the mosquitto binary (default: PATH, then /usr/sbin) */
  readonly mosquitto?: string;
}

/** Issue targets: ≥ 0.8 × mosquitto's msgs/s at 1 KB and MB/s at 64 KB; ping-pong ≤ 2 ms. */
export const VS_MOSQUITTO_TARGETS = { fanIn1k: 0.8, fanIn64k: 0.8, pingPongMs: 2 } as const;

const LIMIT = 256 * 1024;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function benchAgainstMosquitto(opts: VsMosquittoOptions = {}): Promise<{ reference: BenchRow; results: BenchRow[] }> {
  const reps = opts.quick ? 1 : 3;
  const scale = opts.quick ? 0.4 : 1;
  const loads = {
    fanIn1k: { kind: 'fan-in', publishers: 20, payloadBytes: 1024, messagesPerPublisher: Math.round(500 * scale), window: 10 },
    fanIn64k: { kind: 'fan-in', publishers: 20, payloadBytes: 64 * 1024, messagesPerPublisher: Math.round(30 * scale), window: 4 },
    pingPong: { kind: 'ping-pong', payloadBytes: 2400, iterations: Math.round(400 * scale) },
  } as const satisfies Record<string, MqttLoad>;

  const edgefl = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: LIMIT });
  let mosq;
  try {
    mosq = await startMosquitto({ maxPacketBytes: LIMIT + 1024, ...(opts.mosquitto !== undefined ? { binary: opts.mosquitto } : {}) });
  } catch (e) {
    await edgefl.close();
    throw e;
  }
  const best = { edgefl: { fanIn1k: Infinity, fanIn64k: Infinity, pingPong: Infinity }, mosquitto: { fanIn1k: Infinity, fanIn64k: Infinity, pingPong: Infinity } };
  const counts = { fanIn1k: 0, fanIn64k: 0 };
  // Broker CPU per run (ms), summed over repetitions: the edgefl broker is this process's main
  // thread (the load runs in a worker), mosquitto its own process.
  const cpu = { edgefl: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 }, mosquitto: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 } };
  let cpuKnown = true;
  const carried = { edgefl: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 }, mosquitto: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 } };
  try {
    for (let rep = 0; rep < reps; rep++) {
      // Alternate which broker goes first, so neither always meets a warmer (or busier) machine.
      const order = rep % 2 === 0 ? (['edgefl', 'mosquitto'] as const) : (['mosquitto', 'edgefl'] as const);
      for (const key of ['fanIn1k', 'fanIn64k', 'pingPong'] as const) {
        for (const who of order) {
          const url = who === 'edgefl' ? `mqtt://127.0.0.1:${edgefl.port}` : mosq.url;
          const brokerCpu = (): number | null => (who === 'edgefl' ? mainThreadCpuMs() : cpuMs(mosq!.pid));
          const c0 = brokerCpu();
          const r = await runLoadInWorker(url, loads[key]);
          const c1 = brokerCpu();
          if (c0 === null || c1 === null) cpuKnown = false;
          else cpu[who][key] += c1 - c0;
          carried[who][key] += r.carried;
          if (r.kind === 'fan-in') {
            best[who][key] = Math.min(best[who][key], (r as FanInResult).ms);
            counts[key as 'fanIn1k' | 'fanIn64k'] = r.messages;
          } else {
            best[who][key] = Math.min(best[who][key], median((r as PingPongResult).roundTripsMs));
          }
        }
      }
    }
  } finally {
    await mosq.close();
    await edgefl.close();
  }

  const perSec = (n: number, ms: number): number => n / (ms / 1000);
  const rate1k = { edgefl: perSec(counts.fanIn1k, best.edgefl.fanIn1k), mosquitto: perSec(counts.fanIn1k, best.mosquitto.fanIn1k) };
  const bytes64k = counts.fanIn64k * loads.fanIn64k.payloadBytes;
  const mb64k = { edgefl: perSec(bytes64k / 1e6, best.edgefl.fanIn64k), mosquitto: perSec(bytes64k / 1e6, best.mosquitto.fanIn64k) };
  const rtt = { edgefl: best.edgefl.pingPong, mosquitto: best.mosquitto.pingPong };
  const common = { mosquittoVersion: mosq.version, repetitions: reps };
  // Broker CPU ms per 1,000 messages (each fan-in message is received once and delivered once;
  // a ping-pong round trip is two of each), and mosquitto's ÷ edgefl's (higher: edgefl cheaper).
  const perK = (who: 'edgefl' | 'mosquitto', key: 'fanIn1k' | 'fanIn64k' | 'pingPong'): number | null =>
    cpuKnown && carried[who][key] > 0 ? cpu[who][key] / (carried[who][key] / 1000) : null;
  const cpuFields = (key: 'fanIn1k' | 'fanIn64k' | 'pingPong'): Record<string, number | null> => {
    const e = perK('edgefl', key);
    const m = perK('mosquitto', key);
    return { edgeflCpuMsPer1000: e, mosquittoCpuMsPer1000: m, cpuRatio: e !== null && m !== null && e > 0 ? m / e : null };
  };
  const reference: BenchRow = {
    name: `mosquitto ${mosq.version}: 20 publishers → 1 subscriber, QoS 1, 1 KB (reference)`,
    value: rate1k.mosquitto, unit: 'msgs/s', ratioToReference: 1,
  };
  const results: BenchRow[] = [
    {
      name: 'vs-mosquitto fan-in 20 publishers QoS 1 1 KB', value: rate1k.edgefl, unit: 'msgs/s',
      ratioToReference: rate1k.edgefl / rate1k.mosquitto, mosquitto: rate1k.mosquitto, messages: counts.fanIn1k,
      target: VS_MOSQUITTO_TARGETS.fanIn1k, met: rate1k.edgefl / rate1k.mosquitto >= VS_MOSQUITTO_TARGETS.fanIn1k, ...common,
      ...cpuFields('fanIn1k'),
    },
    {
      name: 'vs-mosquitto fan-in 20 publishers QoS 1 64 KB', value: mb64k.edgefl, unit: 'MB/s',
      ratioToReference: mb64k.edgefl / mb64k.mosquitto, mosquitto: mb64k.mosquitto, messages: counts.fanIn64k,
      target: VS_MOSQUITTO_TARGETS.fanIn64k, met: mb64k.edgefl / mb64k.mosquitto >= VS_MOSQUITTO_TARGETS.fanIn64k, ...common,
      ...cpuFields('fanIn64k'),
    },
    {
      // A rate ratio like the others: mosquitto's round trip ÷ edgefl's.
      name: 'vs-mosquitto ping-pong QoS 1 2.4 KB round trip', value: rtt.edgefl, unit: 'ms (median)',
      ratioToReference: rtt.mosquitto / rtt.edgefl, mosquitto: rtt.mosquitto, iterations: loads.pingPong.iterations,
      targetMs: VS_MOSQUITTO_TARGETS.pingPongMs, met: rtt.edgefl <= VS_MOSQUITTO_TARGETS.pingPongMs, ...common,
      ...cpuFields('pingPong'),
    },
  ];
  return { reference, results };
}
