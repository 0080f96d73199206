import { errorMessage, type Dataset, type Log } from '@edgefl/core';
import type { BuildAlgorithm, PortDecorator } from '@edgefl/runtime';
import type { AgentOptions, RunningAgent, startAgent as StartAgent } from '@edgefl/agent';

/** One emulated device: its id, its secret and its shard. */
export interface EmulatedDevice {
  readonly device: string;
  readonly password: string;
  readonly data: Dataset;
}

export interface FleetAgentsOptions {
  /** the gateway's broker */
  readonly url: string;
  readonly job: string;
  readonly jobTimeoutMs: number;
  readonly log: Log;
  /** wraps each agent's port (the lab counts traffic with it) */
  readonly wrapPort: PortDecorator;
  /** what to call as `device` ends a round */
  readonly onRoundEnd: (device: string) => NonNullable<AgentOptions['onRoundEnd']>;
  readonly buildAlgorithm?: BuildAlgorithm;
}

export interface FleetAgents {
  /** resolves once every agent finished the job; rejects with the first agent's failure */
  readonly done: Promise<void>;
  /**
   * Closes every agent at once: each close waits for its broker's PUBACK, and 1,000 of those
   * in a row were most of a run. Resolves true when every agent closed without an error
   * (a failure is logged).
   */
  close(): Promise<boolean>;
}

/**
 * Starts one agent per device, in this thread, whether that is the lab's own (a small fleet)
 * or an agent thread. Every start settles before a failure is reported, so an agent still
 * connecting when another one failed is closed too instead of reconnecting forever to a
 * gateway that is about to close; then the first failure is thrown.
 */
export async function startFleetAgents(startAgent: typeof StartAgent, devices: readonly EmulatedDevice[], o: FleetAgentsOptions): Promise<FleetAgents> {
  const starts = await Promise.allSettled(devices.map((d) => startAgent({
    url: o.url, device: d.device, job: o.job, log: o.log, data: d.data, username: d.device, password: d.password,
    jobTimeoutMs: o.jobTimeoutMs, onRoundEnd: o.onRoundEnd(d.device), wrapPort: o.wrapPort,
    ...(o.buildAlgorithm ? { buildAlgorithm: o.buildAlgorithm } : {}),
  })));
  const agents: RunningAgent[] = [];
  for (const s of starts) if (s.status === 'fulfilled') agents.push(s.value);
  let closing: Promise<boolean> | null = null;
  const close = (): Promise<boolean> => {
    closing ??= Promise.all(agents.map((a) => a.close().then(() => true, (e: unknown) => {
      o.log.warn({ reason: errorMessage(e) }, 'agent close failed');
      return false;
    }))).then((closed) => closed.every(Boolean));
    return closing;
  };
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await close();
    throw failed.reason;
  }
  const done = Promise.all(agents.map((a) => a.done)).then(() => undefined);
  // handled by whoever awaits it; a run stopped early never does
  done.catch(() => undefined);
  return { done, close };
}
