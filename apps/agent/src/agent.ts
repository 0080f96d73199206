import { EdgeflError, errorMessage, type Dataset, type Log } from '@edgefl/core';
import { FleetClient, TokenBucketShaper, type ClientTls, topics } from '@edgefl/transport';
import {
  MAX_ENVELOPE_BYTES, STATUS_DONE, STATUS_READY, assertSameJob, createJob, decodeJobAnnouncement, hostNode, jobIdentity, linkRate, mqttPort, readCheckpoint, receiveChecks,
  removeCheckpoint, writeCheckpoint, type BuildAlgorithm, type HostedNode, type JobAnnouncement, type PortDecorator,
} from '@edgefl/runtime';
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
  /** `persistent` (default): the broker queues this device's messages while it is away; `clean` for a gateway cluster (`cluster.redis`), where persistent sessions do not work yet */
  readonly session?: 'clean' | 'persistent';
  /** MQTT keepalive in seconds (default 30) */
  readonly keepaliveSec?: number;
  /** once connected, give up reconnecting after the gateway has been unreachable this long; default: never */
  readonly giveUpAfterMs?: number;
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** wraps the node's port, e.g. `countTraffic(accounting)` in the lab */
  readonly wrapPort?: PortDecorator;
  /** builds the job's algorithm instead of the registry (programs and tests running their own) */
  readonly buildAlgorithm?: BuildAlgorithm;
  /**
   * `state.dir`: keep this device's node state (model, duals, replicas, codec references and
   * error memories) here after every round, and resume from it when started again.
   */
  readonly stateDir?: string;
  /** bytes of partial chunked messages held at once (`limits.reassemblyBytes`; default 32 MiB, a Pi 3 has 1 GiB) */
  readonly reassemblyBytes?: number;
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
/** An agent's default reassembly budget: small, for boards. */
export const AGENT_REASSEMBLY_BYTES = 32 * 1024 * 1024;

function agentReassembly(budget = AGENT_REASSEMBLY_BYTES): { maxPartialBytes: number; maxMessageBytes: number } {
  return { maxPartialBytes: budget, maxMessageBytes: Math.min(MAX_ENVELOPE_BYTES, budget) };
}

const BEFORE_JOB = { maxMessageBytes: 4096, qos: 1 } as const;

/**
 * One device: connects to the gateway's broker, reads the job the gateway announces on
 * `ctl`, trains its shard with ONNX Runtime (in a worker thread, so MQTT stays
 * responsive), reports `ready`, and once the gateway's clock says the job has started runs
 * its node of the algorithm — a worker, or a peer of a serverless job — until the last
 * round, then reports `done`.
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
    ...BEFORE_JOB, logger: log, shaper, reassembly: agentReassembly(o.reassemblyBytes),
    // The broker queues what is sent to this device while it is away (restart, stop, lost link).
    session: o.session ?? 'persistent',
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.tls !== undefined ? { tls: o.tls } : {}),
    ...(o.giveUpAfterMs !== undefined ? { giveUpAfterMs: o.giveUpAfterMs } : {}),
    ...(o.keepaliveSec !== undefined ? { keepaliveSec: o.keepaliveSec } : {}),
    onGiveUp: (err) => {
      lost = new GatewayLostError(err);
      stop.abort();
      onLost?.(lost);
    },
  });
  let clock: JobClock | undefined;
  try {
    clock = await watchJob(client, o, log);
    const ann = await Promise.race([clock.first, gatewayLost]);
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
    const job = createJob(cfg, ann.devices, o.buildAlgorithm);
    // A hash of the whole job, for checkpoints only.
    const identity = o.stateDir !== undefined ? jobIdentity(cfg, ann.devices, ann.dim) : '';
    const ckpt = o.stateDir !== undefined ? readCheckpoint(o.stateDir, o.device) : null;
    if (ckpt) {
      assertSameJob(ckpt, o.stateDir!, cfg.job, identity);
      log.info({ round: ckpt.round, savedAt: ckpt.savedAt, dir: o.stateDir }, 'resuming from checkpoint');
    }
    const data = typeof o.data === 'function' ? o.data(ann) : o.data;
    const updates = new Set<string>();
    const host: HostedNode = await hostNode({
      job, id: o.device, log, data, threads: o.threads ?? 1,
      expectDim: {
        dim: ann.dim,
        error: (dim) => new AgentError(`this device's model has ${dim} parameters, the job's has ${ann.dim}`,
          `the local data must have the job's features (${data.features} here) and classes; check the agent's data settings`),
      },
      port: (spec, dim) => mqttPort(client, spec, { routes: job.routes, log, expect: receiveChecks(job, dim) }),
      // Distinct (round, phase) updates the broker acknowledged: an answer sent again is one update.
      wrapPort: (p, spec) => {
        const inner = o.wrapPort ? o.wrapPort(p, spec) : p;
        return { mailbox: inner.mailbox, send: async (out, r, ph) => {
          const t = await inner.send(out, r, ph);
          if (out.to.includes(job.server)) updates.add(`${r}/${ph}`);
          return t;
        } };
      },
    });
    // Messages of the round it resumes at may be queued for it already (a persistent session).
    const resumeAt = Math.max(ann.round, ckpt ? ckpt.round + 1 : 1);
    if (resumeAt > 1) host.port.mailbox.advance(resumeAt);
    try {
      await client.setStatus(STATUS_READY);
    } catch (e) {
      // The learner's worker thread would keep the process alive.
      await host.close();
      throw e;
    }
    log.info({ job: cfg.job, role: host.spec.role, dim: host.dim, samples: data.n }, 'ready');
    let round = 0;
    const telemetry = startTelemetry(client, shaper, cfg.telemetry?.intervalMs ?? DEFAULT_TELEMETRY_MS, () => round, log);
    const jobClock = clock;
    const done = (async (): Promise<void> => {
      // Nodes start on the gateway's clock (round ≥ 1 once every device is ready), so no
      // peer publishes before its neighbours listen. A device that joins (or restarts into)
      // a running job starts at the gateway's round, as a fresh node with no references.
      // Only peers need the clock: a worker acts when its server's message arrives, and a
      // retained announcement can reach it after that message (aedes stores retained
      // publishes before it forwards them), which at QoS 0 left the worker waiting forever.
      const started = job.serverless ? await jobClock.started(stop.signal) : ann;
      if (started === null) {
        await host.close();
        if (lost) throw lost;
        return;
      }
      const firstRound = Math.max(1, started.round, ckpt ? ckpt.round + 1 : 1);
      if (firstRound > cfg.rounds) log.info({ round: ckpt?.round }, 'the checkpoint is of the job\'s last round: nothing left to do');
      else if (firstRound > 1) log.info({ round: firstRound, restored: ckpt !== null }, 'joining a running job');
      await host.run({
        firstRound, signal: AbortSignal.any([stop.signal, jobClock.over]),
        ...(ckpt?.state ? { restore: ckpt.state } : {}),
        onRoundStart: (r) => {
          round = r;
        },
        onRoundEnd: (r, model, metrics) => {
          if (o.stateDir !== undefined) {
            try {
              writeCheckpoint(o.stateDir, { node: o.device, job: cfg.job, identity, round: r, model: Float32Array.from(model), state: host.snapshot(), extra: {} });
            } catch (e) {
              log.error({ round: r, dir: o.stateDir, reason: errorMessage(e) }, 'could not write the checkpoint; a restart would resume from an earlier round');
            }
          }
          o.onRoundEnd?.(r, model, metrics);
        },
      });
      if (lost) throw lost;
      if (jobClock.over.aborted && !stop.signal.aborted) log.info({ round }, 'the gateway finished the job; stopping');
      // What this process sent its server (a run's ledger checks it against what the gateway counted).
      if (!job.serverless) log.info({ round, updatesSent: updates.size }, 'node finished');
      // Done: the next run of this job starts afresh.
      if (!stop.signal.aborted && o.stateDir !== undefined) removeCheckpoint(o.stateDir, o.device);
      // Bounded: a gateway that closes once the job is done never acknowledges it.
      if (!stop.signal.aborted) await withinMs(client.setStatus(STATUS_DONE), 2000).catch((e: unknown) => log.warn({ reason: errorMessage(e) }, 'could not report done'));
    })().finally(() => {
      jobClock.stop();
      // Given up on the gateway, or finished: no telemetry timer outlives the job.
      if (lost) telemetry.stop();
    });
    return {
      done,
      publishTelemetry: () => telemetry.publishNow(),
      async close() {
        telemetry.stop();
        stop.abort();
        await client.close();
        // A local training step in flight finishes before the learner closes.
        await done.catch(() => undefined);
        await host.close();
      },
    };
  } catch (e) {
    // Given up, or refused: leave no job timer behind.
    clock?.stop();
    await client.close();
    throw e;
  }
}

interface JobClock {
  /** the first valid, running announcement of our job */
  readonly first: Promise<JobAnnouncement>;
  /** the first running announcement whose round is ≥ 1 (the job has started), or null once `signal` aborts */
  started(signal: AbortSignal): Promise<JobAnnouncement | null>;
  /** aborts when the gateway announces the running job done (a device behind, or restarted, stops there too) */
  readonly over: AbortSignal;
  stop(): void;
}

/**
 * Follows the job's retained announcements on `ctl`; invalid ones are logged and ignored.
 * `first` rejects after `jobTimeoutMs` without one.
 */
async function watchJob(client: FleetClient, o: AgentOptions, log: Log): Promise<JobClock> {
  let latest: JobAnnouncement | null = null;
  let onFirst: ((a: JobAnnouncement) => void) | null = null;
  let onStart: (() => void) | null = null;
  let failFirst: ((e: unknown) => void) | null = null;
  const over = new AbortController();
  const first = new Promise<JobAnnouncement>((resolve, reject) => {
    onFirst = resolve;
    failFirst = reject;
  });
  // Rejections are handled by whoever awaits `first`; a timeout after a later failure must not crash.
  first.catch(() => undefined);
  const timer = o.jobTimeoutMs === undefined ? undefined : setTimeout(() => {
    failFirst?.(new AgentError(`no job announcement for ${o.job} after ${o.jobTimeoutMs} ms`,
      'start the gateway for this job, and check gateway.url and the job name'));
  }, o.jobTimeoutMs);
  await client.subscribe(topics.ctl(o.job), (_topic, bytes) => {
    try {
      const ann = decodeJobAnnouncement(bytes);
      if (ann.experiment.job !== o.job) throw new Error(`announcement is for job ${ann.experiment.job}`);
      if (ann.state !== 'running') {
        if (latest === null) log.info({}, 'job is finished; waiting for the next run');
        // The job this device runs is over (the same experiment, announced done).
        else if (JSON.stringify(ann.experiment) === JSON.stringify(latest.experiment)) over.abort();
        return;
      }
      // Once we run a job, an announcement of another one (a restarted gateway) does not change it.
      if (latest !== null && ann.round < latest.round) return;
      latest = ann;
      if (timer) clearTimeout(timer);
      onFirst?.(ann);
      onFirst = null;
      if (ann.round >= 1) onStart?.();
    } catch (e) {
      log.warn({ reason: errorMessage(e) }, 'ignored job announcement');
    }
  }).catch((e: unknown) => {
    if (timer) clearTimeout(timer);
    throw e;
  });
  return {
    first,
    over: over.signal,
    started(signal) {
      const now = (): JobAnnouncement | null => (latest !== null && latest.round >= 1 ? latest : null);
      if (now() !== null || signal.aborted) return Promise.resolve(now());
      return new Promise((resolve) => {
        const finish = (): void => {
          onStart = null;
          signal.removeEventListener('abort', finish);
          resolve(now());
        };
        onStart = finish;
        signal.addEventListener('abort', finish, { once: true });
      });
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

/** `p`, or a rejection once `ms` passed without it settling (the timer never outlives it). */
function withinMs<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
