import type { Log } from '@edgefl/core';
import type { ExperimentConfig } from '@edgefl/config';
import type { FederatedData } from '@edgefl/data';
import type { BuildAlgorithm, PortDecorator } from '@edgefl/runtime';
import { startBroker, type RunningBroker } from './broker.js';
import { startAggregator, type RunningAggregator } from './aggregator.js';

export interface GatewayOptions {
  readonly listen: { readonly host: string; readonly port: number };
  readonly experiment: ExperimentConfig;
  readonly devices: readonly string[];
  readonly log: Log;
  readonly data?: FederatedData;
  readonly readyTimeoutMs?: number;
  readonly evaluateRounds?: boolean;
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** wraps the server node's port, e.g. `countTraffic(accounting)` in the lab */
  readonly wrapPort?: PortDecorator;
  /** builds the job's algorithm instead of the registry (programs and tests running their own) */
  readonly buildAlgorithm?: BuildAlgorithm;
}

export interface RunningGateway {
  readonly broker: RunningBroker;
  readonly aggregator: RunningAggregator;
  /** the broker's address for agents, e.g. mqtt://127.0.0.1:1883 */
  readonly url: string;
  close(): Promise<void>;
}

/** `edgefl gateway`: an aedes broker with the job's aggregator next to it. */
export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const broker = await startBroker({
    host: o.listen.host, port: o.listen.port, maxMessageBytes: o.experiment.transport.maxMessageBytes, logger: o.log.child({ role: 'broker' }),
  });
  const local = `mqtt://127.0.0.1:${broker.port}`;
  let aggregator: RunningAggregator;
  try {
    aggregator = await startAggregator({
      url: local, experiment: o.experiment, devices: o.devices, log: o.log,
      ...(o.data ? { data: o.data } : {}),
      ...(o.readyTimeoutMs !== undefined ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
      ...(o.evaluateRounds !== undefined ? { evaluateRounds: o.evaluateRounds } : {}),
      ...(o.onRoundEnd ? { onRoundEnd: o.onRoundEnd } : {}),
      ...(o.wrapPort ? { wrapPort: o.wrapPort } : {}),
      ...(o.buildAlgorithm ? { buildAlgorithm: o.buildAlgorithm } : {}),
    });
  } catch (e) {
    await broker.close();
    throw e;
  }
  return {
    broker, aggregator, url: broker.url,
    async close() {
      await aggregator.close();
      await broker.close();
    },
  };
}
