import type { Aedes } from 'aedes';
import { nullLog, type Log } from '@edgefl/core';
import type { LinkBudgets } from '@edgefl/transport';
import type { TrafficAccounting } from '@edgefl/runtime';
import type { BrokerCounters } from '../broker-counters.js';
import { LinkMonitor } from './link-monitor.js';
import { createMetrics } from './metrics.js';
import { startMonitorServer, type MonitorServerOptions, type RunningMonitorServer } from './server.js';

export { LinkMonitor } from './link-monitor.js';
export type { LinksSnapshot, DeviceView, DirectionView, PeerView, LinkMonitorOptions } from './link-monitor.js';
export { createMetrics } from './metrics.js';
export { startMonitorServer, MonitorError } from './server.js';
export type { MonitorServerOptions, RunningMonitorServer } from './server.js';

export interface GatewayMonitorOptions {
  readonly job: string;
  readonly devices: readonly string[];
  readonly rounds: number;
  readonly budgets?: LinkBudgets | undefined;
  readonly accounting?: TrafficAccounting;
  readonly counters: BrokerCounters;
  readonly aedes: Aedes;
  /** where to serve HTTP; absent: count only (for the run record and summary) */
  readonly http?: Pick<MonitorServerOptions, 'host' | 'port' | 'tls' | 'authenticate'>;
  /** ms between samples and dashboard pushes (default 1000) */
  readonly tickMs?: number;
  readonly log?: Log;
}

export interface GatewayMonitor {
  readonly links: LinkMonitor;
  readonly server: RunningMonitorServer | null;
  close(): Promise<void>;
}

/** Wires a LinkMonitor to a running broker, samples it every second and serves it over HTTP. */
export async function startGatewayMonitor(o: GatewayMonitorOptions): Promise<GatewayMonitor> {
  const links = new LinkMonitor({
    job: o.job, devices: o.devices, rounds: o.rounds, budgets: o.budgets, ...(o.accounting ? { accounting: o.accounting } : {}),
  });
  const detach = links.attach(o.counters);
  const onPublish = (packet: { topic: string; payload: Buffer | string; qos: 0 | 1 | 2 }, client: { id: string } | null): void => {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    links.onMessage(packet.topic, payload, client?.id ?? null, packet.qos);
  };
  o.aedes.on('publish', onPublish);
  let server: RunningMonitorServer | null = null;
  try {
    if (o.http) {
      server = await startMonitorServer({ ...o.http, snapshot: () => links.snapshot(), metrics: await createMetrics(() => links.snapshot()), log: o.log ?? nullLog });
    }
  } catch (e) {
    detach();
    o.aedes.removeListener('publish', onPublish);
    throw e;
  }
  const timer = setInterval(() => {
    links.tick();
    server?.push();
  }, o.tickMs ?? 1000);
  timer.unref();
  links.tick();
  return {
    links, server,
    async close() {
      clearInterval(timer);
      detach();
      o.aedes.removeListener('publish', onPublish);
      await server?.close();
    },
  };
}
