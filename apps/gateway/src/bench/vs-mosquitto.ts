/**
 * `edgefl bench broker --against mosquitto`: the same loopback load against the gateway's
 * broker (aedes behind the length guard and byte counters, as `edgefl gateway` runs it) and
 * against Debian's Mosquitto started here. The load comes from a child process of its own
 * for either broker. After a warm-up pair that is not counted (aedes's code is compiled by
 * the JIT as it first runs; Mosquitto's is not), runs go in pairs, edgefl then Mosquitto,
 * Mosquitto then edgefl, … so both brokers of a pair see the same machine load; each row's
 * `ratioToReference` is the median over pairs of edgefl ÷ Mosquitto as a rate (higher is
 * better), and `pairRatios` lists them. On a machine shared with other work the load changes
 * between pairs far more than within one, so the median of same-pair ratios is much steadier
 * than a ratio of best (or median) times taken at different moments.
 */
import type { BenchRow } from '@edgefl/core';
import { startBroker } from '../broker.js';
import { cpuMs, mainThreadCpuMs, processCpuMs } from './cpu-time.js';
import { startMosquitto } from './mosquitto.js';
import { runLoadInChild } from './mqtt-load.js';
import type { FanInResult, MqttLoad, PingPongResult } from './mqtt-load.js';

export interface VsMosquittoOptions {
  /** fewer messages and 2 measured pairs instead of 5 (noisier) */
  readonly quick?: boolean;
  /** measured pairs (default 5, quick 2) */
  readonly pairs?: number;
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

type Key = 'fanIn1k' | 'fanIn64k' | 'pingPong';
type Who = 'edgefl' | 'mosquitto';

export async function benchAgainstMosquitto(opts: VsMosquittoOptions = {}): Promise<{ reference: BenchRow; results: BenchRow[] }> {
  const pairs = opts.pairs ?? (opts.quick ? 2 : 5);
  if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`pairs must be a whole number ≥ 1, got ${pairs}`);
  const scale = opts.quick ? 0.4 : 1;
  const loads = {
    fanIn1k: { kind: 'fan-in', publishers: 20, payloadBytes: 1024, messagesPerPublisher: Math.round(500 * scale), window: 10 },
    fanIn64k: { kind: 'fan-in', publishers: 20, payloadBytes: 64 * 1024, messagesPerPublisher: Math.round(30 * scale), window: 4 },
    pingPong: { kind: 'ping-pong', payloadBytes: 2400, iterations: Math.round(400 * scale) },
  } as const satisfies Record<Key, MqttLoad>;
  const keys = ['fanIn1k', 'fanIn64k', 'pingPong'] as const;

  const edgefl = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: LIMIT });
  let mosq;
  try {
    mosq = await startMosquitto({ maxPacketBytes: LIMIT + 1024, ...(opts.mosquitto !== undefined ? { binary: opts.mosquitto } : {}) });
  } catch (e) {
    await edgefl.close();
    throw e;
  }
  // Per measured run: fan-in wall ms, or the ping-pong's median round trip (ms).
  const times: Record<Who, Record<Key, number[]>> = {
    edgefl: { fanIn1k: [], fanIn64k: [], pingPong: [] }, mosquitto: { fanIn1k: [], fanIn64k: [], pingPong: [] },
  };
  const counts = { fanIn1k: 0, fanIn64k: 0 };
  // Broker CPU (ms) over the measured runs: the edgefl broker is this process's main
  // thread (the load runs in a child process), Mosquitto its own process.
  const cpu = { edgefl: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 }, mosquitto: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 } };
  // The edgefl broker's whole process over the same runs (its thread plus V8's helper threads).
  const edgeflProcessCpu = { fanIn1k: 0, fanIn64k: 0, pingPong: 0 };
  // The load generator's CPU over the same runs: the same clients cost more or less depending on how a broker paces them.
  const loadCpu = { edgefl: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 }, mosquitto: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 } };
  let cpuKnown = true;
  const carried = { edgefl: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 }, mosquitto: { fanIn1k: 0, fanIn64k: 0, pingPong: 0 } };
  try {
    // Pair -1 warms both brokers up and is not counted.
    for (let pair = -1; pair < pairs; pair++) {
      const order = pair % 2 === 0 ? (['edgefl', 'mosquitto'] as const) : (['mosquitto', 'edgefl'] as const);
      for (const key of keys) {
        for (const who of order) {
          const url = who === 'edgefl' ? `mqtt://127.0.0.1:${edgefl.port}` : mosq.url;
          const brokerCpu = (): number | null => (who === 'edgefl' ? mainThreadCpuMs() : cpuMs(mosq!.pid));
          const p0 = who === 'edgefl' ? processCpuMs() : 0;
          const c0 = brokerCpu();
          const r = await runLoadInChild(url, loads[key]);
          const c1 = brokerCpu();
          const p1 = who === 'edgefl' ? processCpuMs() : 0;
          if (pair < 0) continue;
          if (c0 === null || c1 === null) cpuKnown = false;
          else {
            cpu[who][key] += c1 - c0;
            if (who === 'edgefl') edgeflProcessCpu[key] += p1 - p0;
          }
          carried[who][key] += r.carried;
          loadCpu[who][key] += r.loadCpuMs ?? NaN;
          if (r.kind === 'fan-in') {
            times[who][key].push((r as FanInResult).ms);
            counts[key as 'fanIn1k' | 'fanIn64k'] = r.messages;
          } else {
            times[who][key].push(median((r as PingPongResult).roundTripsMs));
          }
        }
      }
    }
  } finally {
    await mosq.close();
    await edgefl.close();
  }

  // Every figure here is a time, so a pair's rate ratio edgefl ÷ Mosquitto is Mosquitto's time ÷ edgefl's.
  const pairRatios = (key: Key): number[] => times.edgefl[key].map((t, i) => times.mosquitto[key][i]! / t);
  // Rows hold scalars: the pair ratios as one space-separated string, in pair order.
  const listed = (xs: readonly number[]): string => xs.map((x) => x.toFixed(3)).join(' ');
  const ratio = { fanIn1k: median(pairRatios('fanIn1k')), fanIn64k: median(pairRatios('fanIn64k')), pingPong: median(pairRatios('pingPong')) };
  const mid = {
    edgefl: { fanIn1k: median(times.edgefl.fanIn1k), fanIn64k: median(times.edgefl.fanIn64k), pingPong: median(times.edgefl.pingPong) },
    mosquitto: { fanIn1k: median(times.mosquitto.fanIn1k), fanIn64k: median(times.mosquitto.fanIn64k), pingPong: median(times.mosquitto.pingPong) },
  };
  const perSec = (n: number, ms: number): number => n / (ms / 1000);
  const rate1k = { edgefl: perSec(counts.fanIn1k, mid.edgefl.fanIn1k), mosquitto: perSec(counts.fanIn1k, mid.mosquitto.fanIn1k) };
  const bytes64k = counts.fanIn64k * loads.fanIn64k.payloadBytes;
  const mb64k = { edgefl: perSec(bytes64k / 1e6, mid.edgefl.fanIn64k), mosquitto: perSec(bytes64k / 1e6, mid.mosquitto.fanIn64k) };
  const rtt = { edgefl: mid.edgefl.pingPong, mosquitto: mid.mosquitto.pingPong };
  const common = { mosquittoVersion: mosq.version, pairs };
  // Broker CPU ms per 1,000 messages (each fan-in message is received once and delivered once;
  // a ping-pong round trip is two of each), and mosquitto's ÷ edgefl's (higher: edgefl cheaper).
  const perK = (who: Who, key: Key): number | null =>
    cpuKnown && carried[who][key] > 0 ? cpu[who][key] / (carried[who][key] / 1000) : null;
  const cpuFields = (key: Key): Record<string, number | null> => {
    const e = perK('edgefl', key);
    const m = perK('mosquitto', key);
    const load = (who: Who): number | null => (Number.isFinite(loadCpu[who][key]) ? loadCpu[who][key] / (carried[who][key] / 1000) : null);
    const p = cpuKnown && carried.edgefl[key] > 0 ? edgeflProcessCpu[key] / (carried.edgefl[key] / 1000) : null;
    return {
      edgeflCpuMsPer1000: e, mosquittoCpuMsPer1000: m, cpuRatio: e !== null && m !== null && e > 0 ? m / e : null,
      edgeflProcessCpuMsPer1000: p, processCpuRatio: p !== null && m !== null && p > 0 ? m / p : null,
      loadCpuMsPer1000Edgefl: load('edgefl'), loadCpuMsPer1000Mosquitto: load('mosquitto'),
    };
  };
  const reference: BenchRow = {
    name: `mosquitto ${mosq.version}: 20 publishers → 1 subscriber, QoS 1, 1 KB (reference)`,
    value: rate1k.mosquitto, unit: 'msgs/s', ratioToReference: 1,
  };
  const results: BenchRow[] = [
    {
      name: 'vs-mosquitto fan-in 20 publishers QoS 1 1 KB', value: rate1k.edgefl, unit: 'msgs/s',
      ratioToReference: ratio.fanIn1k, pairRatios: listed(pairRatios('fanIn1k')), mosquitto: rate1k.mosquitto, messages: counts.fanIn1k,
      target: VS_MOSQUITTO_TARGETS.fanIn1k, met: ratio.fanIn1k >= VS_MOSQUITTO_TARGETS.fanIn1k, ...common,
      ...cpuFields('fanIn1k'),
    },
    {
      name: 'vs-mosquitto fan-in 20 publishers QoS 1 64 KB', value: mb64k.edgefl, unit: 'MB/s',
      ratioToReference: ratio.fanIn64k, pairRatios: listed(pairRatios('fanIn64k')), mosquitto: mb64k.mosquitto, messages: counts.fanIn64k,
      target: VS_MOSQUITTO_TARGETS.fanIn64k, met: ratio.fanIn64k >= VS_MOSQUITTO_TARGETS.fanIn64k, ...common,
      ...cpuFields('fanIn64k'),
    },
    {
      // A rate ratio like the others: per pair, mosquitto's round trip ÷ edgefl's.
      name: 'vs-mosquitto ping-pong QoS 1 2.4 KB round trip', value: rtt.edgefl, unit: 'ms (median)',
      ratioToReference: ratio.pingPong, pairRatios: listed(pairRatios('pingPong')), mosquitto: rtt.mosquitto, iterations: loads.pingPong.iterations,
      targetMs: VS_MOSQUITTO_TARGETS.pingPongMs, met: rtt.edgefl <= VS_MOSQUITTO_TARGETS.pingPongMs, ...common,
      ...cpuFields('pingPong'),
    },
  ];
  return { reference, results };
}
