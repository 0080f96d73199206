import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLog } from '@edgefl/core';
import { deviceIds, parseExperimentConfig, type ExperimentConfig } from '@edgefl/config';
import { prepareFederatedData } from '@edgefl/data';
import { startGateway, type LinksSnapshot, type RunningGateway } from '@edgefl/gateway';
import { startAgent, type RunningAgent } from '@edgefl/agent';
import { fleetCredentials } from '../integration/broker-helpers.js';

export interface MonitoredJob {
  readonly cfg: ExperimentConfig;
  readonly devices: readonly string[];
  readonly gw: RunningGateway;
  readonly agents: readonly RunningAgent[];
  /** the monitor's base URL */
  readonly url: string;
  /** an identity of the gateway's key file: the monitor asks for it (HTTP Basic) as the broker does */
  readonly login: { readonly username: string; readonly password: string };
  /** the Authorization header for `login` */
  readonly headers: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * A real gateway (broker, aggregator, monitor on a free port) and one real agent per device
 * in this process, run to the end of the job. The gateway stays up until `close()`.
 */
export async function runMonitoredJob(overrides: Record<string, unknown> = {}): Promise<MonitoredJob> {
  const cfg = parseExperimentConfig({
    job: 'monitor-test', seed: 5, rounds: 3, fleet: { devices: 3 }, algorithm: { localSteps: 5, lr: 0.1, batchSize: 32 },
    codec: { up: { id: 'uniform', bits: 8 }, down: { id: 'float32' } },
    transport: { kind: 'mqtt', roundTimeoutMs: 30_000 },
    telemetry: { intervalMs: 0 },
    budgets: { default: { up: { bitsPerRound: 10_000 } }, devices: { 'dev-02': { up: { bitsPerSec: 400_000 } } } },
    ...overrides,
  });
  const devices = deviceIds(cfg.fleet);
  const data = prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const creds = await fleetCredentials(devices);
  const gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 }, auth: creds.auth, experiment: cfg, devices, log: nullLog, data, monitor: { host: '127.0.0.1', port: 0 },
  });
  const agents: RunningAgent[] = [];
  try {
    agents.push(...await Promise.all(devices.map((device, i) => startAgent({
      url: gw.url, device, job: cfg.job, log: nullLog, data: data.shards[i]!, jobTimeoutMs: 30_000, ...creds.login(device),
    }))));
    await Promise.all([gw.aggregator.done, ...agents.map((a) => a.done)]);
    // Every device reports its own counters once the job is quiet.
    await Promise.all(agents.map((a) => a.publishTelemetry()));
  } catch (e) {
    for (const a of agents) await a.close();
    await gw.close();
    throw e;
  }
  const url = gw.monitor.server!.url;
  const login = creds.login(devices[0]!);
  return {
    cfg, devices, gw, agents, url, login, headers: basicAuth(login),
    async close() {
      for (const a of agents) await a.close();
      await gw.close();
    },
  };
}

export function basicAuth(login: { readonly username: string; readonly password: string }): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` };
}

export async function getLinks(url: string, headers: Readonly<Record<string, string>> = {}): Promise<LinksSnapshot> {
  const res = await fetch(`${url}/api/links`, { headers });
  if (!res.ok) throw new Error(`/api/links answered ${res.status}`);
  return (await res.json()) as LinksSnapshot;
}

/** Polls until `ok` holds (a condition, not a timing claim); fails after `ms`. */
export async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
