/**
 * What one message costs the gateway's broker, for A/B work on it: the 20-publisher QoS 1
 * fan-in of `edgefl bench broker --against mosquitto` against the broker alone, longer runs,
 * and per run the broker's CPU per 1,000 messages — its thread, and its whole process (V8's
 * garbage-collection and compiler threads too) — with the garbage collections it took. CPU
 * per message moves far less with a shared machine's load than throughput does. Run:
 *   node --conditions=edgefl-source --import tsx test/bench/broker-cost.bench.ts [--payload-kb 64] [--messages 150] [--runs 5]
 * (`--messages` per publisher per run; one uncounted warm-up run first). Process-wide V8 flags
 * go before the script, e.g. `node --max-semi-space-size=4 --conditions=…`; the load's child
 * process inherits them but is not measured.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startBroker } from '@edgefl/gateway';
import { runLoadInChild } from '../../apps/gateway/src/bench/mqtt-load.js';
import type { FanInResult } from '../../apps/gateway/src/bench/mqtt-load.js';
import { mainThreadCpuMs, processCpuMs } from '../../apps/gateway/src/bench/cpu-time.js';
import { intArg } from './int-arg.js';

interface RunCost {
  readonly ms: number;
  readonly threadMsPer1000: number;
  readonly processMsPer1000: number;
  readonly loadMsPer1000: number;
  readonly scavenges: number;
  readonly markCompacts: number;
}

export async function measureBrokerCost(payloadKb: number, messagesPerPublisher: number, runs: number): Promise<RunCost[]> {
  const broker = await startBroker({ host: '127.0.0.1', port: 0, maxMessageBytes: 256 * 1024 });
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const load = { kind: 'fan-in', publishers: 20, payloadBytes: payloadKb * 1024, messagesPerPublisher, window: payloadKb >= 64 ? 4 : 10 } as const;
  let gc = { scavenges: 0, markCompacts: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { readonly detail?: { readonly kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.scavenges++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.markCompacts++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const costs: RunCost[] = [];
  try {
    await runLoadInChild(url, load); // warm-up: aedes's code is compiled as it first runs
    for (let i = 0; i < runs; i++) {
      gc = { scavenges: 0, markCompacts: 0 };
      const p0 = processCpuMs();
      const t0 = mainThreadCpuMs();
      const r = (await runLoadInChild(url, load)) as FanInResult & { loadCpuMs?: number };
      const t1 = mainThreadCpuMs();
      const p1 = processCpuMs();
      const k = r.carried / 1000;
      costs.push({
        ms: r.ms, threadMsPer1000: t0 !== null && t1 !== null ? (t1 - t0) / k : NaN, processMsPer1000: (p1 - p0) / k,
        loadMsPer1000: (r.loadCpuMs ?? NaN) / k, ...gc,
      });
    }
  } finally {
    observer.disconnect();
    await broker.close();
  }
  return costs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const payloadKb = intArg('payload-kb', 64);
  const costs = await measureBrokerCost(payloadKb, intArg('messages', 150), intArg('runs', 5));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  for (const c of costs) {
    console.log(`fan-in ${payloadKb} KB: ${c.ms.toFixed(0)} ms; CPU per 1,000 messages: broker thread ${c.threadMsPer1000.toFixed(0)} ms, broker process ${c.processMsPer1000.toFixed(0)} ms, load ${c.loadMsPer1000.toFixed(0)} ms; GCs: ${c.scavenges} scavenges, ${c.markCompacts} mark-compacts`);
  }
  const summary = {
    payloadKb, runs: costs.length,
    threadMsPer1000: median(costs.map((c) => c.threadMsPer1000)), processMsPer1000: median(costs.map((c) => c.processMsPer1000)),
    scavenges: median(costs.map((c) => c.scavenges)), markCompacts: median(costs.map((c) => c.markCompacts)),
  };
  console.log(`median: broker thread ${summary.threadMsPer1000.toFixed(0)} ms, broker process ${summary.processMsPer1000.toFixed(0)} ms per 1,000 messages; ${summary.scavenges} scavenges, ${summary.markCompacts} mark-compacts per run`);
  console.log(JSON.stringify(summary));
}
