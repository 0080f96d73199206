import { EdgeflError, errorMessage, type Dataset, type Log } from '@edgefl/core';
import { createTrainer } from '@edgefl/train';
import { FleetClient, TokenBucketShaper, type ClientTls, topics } from '@edgefl/transport';
import {
  STATUS_READY, createJob, decodeJobAnnouncement, linkRate, mqttPort, nodeEnv, nodeSpec, receiveChecks, runNode, trainerSeed,
  type JobAnnouncement, type Port, type TrafficAccounting,
} from '@edgefl/runtime';
import type { NodeMachine } from '@edgefl/algorithms';
import { startTelemetry } from './telemetry.js';

export interface AgentOptions {
  readonly url: string;
  readonly device: string;
  readonly job: string;
  readonly log: Log;
  /** the device's training data, or how to derive it once the job is known */
  readonly data: Dataset | ((job: JobAnnouncement) => Dataset);
  readonly username?: string;
  readonly password?: string;
  /** CA bundle / client certificate for mqtts:// and wss:// */
  readonly tls?: ClientTls;
  /** ONNX Runtime intra-op threads */
  readonly threads?: number;
  /** how long to wait for the gateway's job announcement; default: forever */
  readonly jobTimeoutMs?: number;
  /** once connected, give up reconnecting after the gateway has been unreachable this long; default: never */
  readonly giveUpAfterMs?: number;
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  readonly accounting?: TrafficAccounting;
}

export interface RunningAgent {
  /** resolves when the job's last round is done, or once `close()` stopped it */
  readonly done: Promise<void>;
  /** publishes this device's counters on `telemetry/{device}` now (they also go out every `telemetry.intervalMs`) */
  publishTelemetry(): Promise<void>;
  /** stops the node where it is, publishes `offline` and disconnects; no timer or worker outlives it */
  close(): Promise<void>;
}

/** How often agents report their counters when the job does not say. */
export const DEFAULT_TELEMETRY_MS = 5000;

export class AgentError extends EdgeflError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('AGENT', message, hint, options);
  }
}

/** The gateway stayed unreachable for `giveUpAfterMs`: a failure at run time, not a user error. */
export class GatewayLostError extends EdgeflError {
  override readonly exitCode = 1;
  constructor(cause: EdgeflError) {
    super('GATEWAY_LOST', cause.message, cause.hint, { cause });
  }
}

/**
 * Until the gateway announces its job, an agent only publishes its status (a few bytes);
 * then it adopts the job's transport.maxMessageBytes and transport.qos.
 */
const BEFORE_JOB = { maxMessageBytes: 4096, qos: 1 } as const;

/**
 * One device: connects to the gateway's broker, reads the job the gateway announces on
 * `ctl`, trains its shard with ONNX Runtime (in a worker thread, so MQTT stays
 * responsive), reports `ready`, then runs its node of the algorithm until the last round.
 */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const log = o.log.child({ device: o.device });
  let lost: GatewayLostError | undefined;
  const stop = new AbortController();
  let onLost: ((e: GatewayLostError) => void) | undefined;
  const gatewayLost = new Promise<never>((_resolve, reject) => (onLost = reject));
  gatewayLost.catch(() => undefined);
  // Unlimited until the job's budgets are known (from its announcement).
  const shaper = new TokenBucketShaper({ rateOf: () => null });
  const client = await FleetClient.connect({
    url: o.url, clientId: `edgefl-${o.job}-${o.device}`, job: o.job, device: o.device,
    ...BEFORE_JOB, logger: log, shaper,
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
    onGiveUp: (err) => {
      lost = new GatewayLostError(err);
      stop.abort();
      onLost?.(lost);
    },
  });
  try {
    const ann = await Promise.race([awaitJob(client, o, log, stop.signal), gatewayLost]);
    const cfg = ann.experiment;
    if (!ann.devices.includes(o.device)) {
      throw new AgentError(`device ${o.device} is not part of job ${o.job} (devices: ${ann.devices.join(', ')})`,
        'use one of the listed device ids, or add this device to the gateway configuration');
    }
    // The gateway's broker limit and QoS travel in the job; chunk to it and publish at it.
    client.setMaxMessageBytes(cfg.transport.maxMessageBytes);
    client.setQos(cfg.transport.qos);
    // ...and so do its rate budgets: this device's links are shaped to their bitsPerSec.
    shaper.setRates(linkRate(cfg, ann.devices));
    const job = createJob(cfg, ann.devices);
    const data = typeof o.data === 'function' ? o.data(ann) : o.data;
    const trainer = await createTrainer({ model: cfg.model, data, seed: trainerSeed(job, o.device), threads: o.threads ?? 1 });
    let port: Port;
    let node: NodeMachine;
    try {
      if (trainer.dim !== ann.dim) {
        throw new AgentError(`this device's model has ${trainer.dim} parameters, the job's has ${ann.dim}`,
          `the local data must have the job's features (${data.features} here) and classes; check the agent's data settings`);
      }
      const spec = nodeSpec(job, o.device);
      node = job.algorithm.createNode(nodeEnv(job, spec, { dim: trainer.dim, initialParams: trainer.initParams(cfg.seed), log, learner: trainer, data }));
      port = await mqttPort(client, spec, {
        job: cfg.job, nodes: job.algorithm.nodes, log, expect: receiveChecks(job, trainer.dim),
        ...(o.accounting ? { accounting: o.accounting } : {}),
      });
      await client.setStatus(STATUS_READY);
    } catch (e) {
      // The trainer's worker thread would keep the process alive.
      await trainer.close();
      throw e;
    }
    log.info({ job: cfg.job, dim: trainer.dim, samples: data.n }, 'ready');
    let round = 0;
    const telemetry = startTelemetry(client, shaper, cfg.telemetry?.intervalMs ?? DEFAULT_TELEMETRY_MS, () => round, log);
    // A device that joins (or restarts into) a running job starts at the gateway's round.
    const firstRound = Math.max(1, ann.round);
    if (firstRound > 1) log.info({ round: firstRound }, 'joining a running job');
    const done = runNode(node, port, {
      firstRound, rounds: cfg.rounds, phases: job.algorithm.phases.length, phaseTimeoutMs: cfg.transport.roundTimeoutMs, log, signal: stop.signal,
      onRoundStart: (r) => {
        round = r;
      },
      ...(o.onRoundEnd ? { onRoundEnd: o.onRoundEnd } : {}),
    }).finally(() => trainer.close()).then(() => {
      if (lost) {
        // Given up on the gateway: no telemetry timer outlives the job.
        telemetry.stop();
        throw lost;
      }
    });
    return {
      done,
      publishTelemetry: () => telemetry.publishNow(),
      async close() {
        telemetry.stop();
        stop.abort();
        await client.close();
        // A local training step in flight finishes before the trainer closes.
        await done.catch(() => undefined);
      },
    };
  } catch (e) {
    await client.close();
    throw e;
  }
}

/** The first valid, running announcement of our job; invalid ones are logged and ignored. */
async function awaitJob(client: FleetClient, o: AgentOptions, log: Log, signal: AbortSignal): Promise<JobAnnouncement> {
  return new Promise<JobAnnouncement>((resolve, reject) => {
    const timer = o.jobTimeoutMs === undefined ? undefined : setTimeout(() => {
      reject(new AgentError(`no job announcement for ${o.job} after ${o.jobTimeoutMs} ms`,
        'start the gateway for this job, and check gateway.url and the job name'));
    }, o.jobTimeoutMs);
    let settled = false;
    // Given up on the gateway: the caller's race has its error; leave no timer behind.
    signal.addEventListener('abort', () => {
      settled = true;
      if (timer) clearTimeout(timer);
    }, { once: true });
    client.subscribe(topics.ctl(o.job), (_topic, bytes) => {
      if (settled) return;
      try {
        const ann = decodeJobAnnouncement(bytes);
        if (ann.experiment.job !== o.job) throw new Error(`announcement is for job ${ann.experiment.job}`);
        if (ann.state !== 'running') {
          log.info({}, 'job is finished; waiting for the next run');
          return;
        }
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(ann);
      } catch (e) {
        log.warn({ reason: errorMessage(e) }, 'ignored job announcement');
      }
    }).catch((e: unknown) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
  });
}
