import type { Log } from '@edgefl/core';
import type { ExperimentConfig, MonitorConfig } from '@edgefl/config';
import type { FederatedData } from '@edgefl/data';
import { TrafficAccounting, type RunRecord } from '@edgefl/runtime';
import { startBroker, type BrokerHooks, type RunningBroker } from './broker.js';
import { startAggregator, type RunningAggregator } from './aggregator.js';
import { startGatewayMonitor, type GatewayMonitor } from './monitor/index.js';
import { GatewayRecorder } from './run-record.js';

export interface GatewayOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly experiment: ExperimentConfig;
  readonly devices: readonly string[];
  readonly log: Log;
  readonly data?: FederatedData;
  readonly readyTimeoutMs?: number;
  readonly evaluateRounds?: boolean;
  readonly onRoundEnd?: (round: number, model: Float32Array) => void;
  /** shared with the agents (the lab); absent: the gateway keeps its own ledger, counting what it receives */
  readonly accounting?: TrafficAccounting;
  /** serve the dashboard, /metrics and /api/links here */
  readonly monitor?: MonitorConfig;
  /** the broker's credential check; the monitor's HTTP Basic auth uses the same */
  readonly authenticate?: BrokerHooks['authenticate'];
}

export interface RunningGateway {
  readonly broker: RunningBroker;
  readonly aggregator: RunningAggregator;
  /** live per-device and per-link traffic (always counted; served over HTTP when `monitor` is set) */
  readonly monitor: GatewayMonitor;
  /** the broker's address for agents, e.g. mqtt://127.0.0.1:1883 */
  readonly url: string;
  /** the run record so far (edgefl-run/1) */
  record(): RunRecord;
  close(): Promise<void>;
}

/** `edgefl gateway`: an aedes broker with the job's aggregator next to it, and its monitor. */
export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const cfg = o.experiment;
  const broker = await startBroker({
    host: o.listen.host, port: o.listen.port, maxMessageBytes: cfg.transport.maxMessageBytes, logger: o.log.child({ role: 'broker' }),
    ...(o.authenticate ? { authenticate: o.authenticate } : {}),
  });
  const own = o.accounting === undefined;
  const accounting = o.accounting ?? new TrafficAccounting(cfg.transport.maxMessageBytes, cfg.transport.qos);
  let monitor: GatewayMonitor;
  try {
    monitor = await startGatewayMonitor({
      job: cfg.job, devices: o.devices, rounds: cfg.rounds, budgets: cfg.budgets, accounting, counters: broker.counters, aedes: broker.aedes,
      log: o.log.child({ role: 'monitor' }),
      ...(o.monitor ? {
        http: {
          host: o.monitor.host, port: o.monitor.port, ...(o.monitor.tls ? { tls: o.monitor.tls } : {}),
          ...(o.authenticate ? { authenticate: (u: string, p: Buffer) => o.authenticate!(`monitor-${u}`, u, p) } : {}),
        },
      } : {}),
    });
  } catch (e) {
    await broker.close();
    throw e;
  }
  const recorder = new GatewayRecorder(cfg, o.devices, accounting, monitor.links);
  const local = `mqtt://127.0.0.1:${broker.port}`;
  let aggregator: RunningAggregator;
  try {
    aggregator = await startAggregator({
      url: local, experiment: cfg, devices: o.devices, log: o.log, accounting, accountInbound: own,
      ...(o.data ? { data: o.data } : {}),
      ...(o.readyTimeoutMs !== undefined ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
      ...(o.evaluateRounds !== undefined ? { evaluateRounds: o.evaluateRounds } : {}),
      onRoundEnd: (round, model) => {
        recorder.roundEnded(round);
        o.onRoundEnd?.(round, model);
      },
      onEvaluated: (round, loss, accuracy) => {
        recorder.evaluated(round, loss, accuracy);
        monitor.links.setEvaluation(round, loss, accuracy);
      },
    });
  } catch (e) {
    await monitor.close();
    await broker.close();
    throw e;
  }
  recorder.setDim(aggregator.dim);
  return {
    broker, aggregator, monitor, url: broker.url,
    record: () => recorder.record(),
    async close() {
      await aggregator.close();
      await monitor.close();
      await broker.close();
    },
  };
}
