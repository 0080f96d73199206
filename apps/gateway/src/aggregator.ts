import { EdgeflError, errorMessage, type Log } from '@edgefl/core';
import type { ExperimentConfig } from '@edgefl/config';
import { prepareFederatedData, type FederatedData } from '@edgefl/data';
import { createTrainer, type Trainer } from '@edgefl/train';
import { FleetClient, type ClientTls, type RetainedStore, GATEWAY, TokenBucketShaper, filters, parseTopic, topics } from '@edgefl/transport';
import {
  MAX_ENVELOPE_BYTES, RunHealth, STATUS_DONE, STATUS_READY, assertSameJob, createJob, encodeJobAnnouncement, hostNode, jobIdentity, linkRate, mqttPort, readCheckpoint, receiveChecks,
  removeCheckpoint, resolveTotalBudget, writeCheckpoint, type BuildAlgorithm, type HealthRecord, type HostedNode, type Job, type PortDecorator, type TrafficAccounting, type Transmission,
} from '@edgefl/runtime';
import { observePeers, type PeerObserver } from './observer.js';

export interface AggregatorOptions {
  /** broker the aggregator connects to (its own gateway's, or any MQTT broker) */
  readonly url: string;
  readonly experiment: ExperimentConfig;
  readonly devices: readonly string[];
  readonly log: Log;
  readonly username?: string;
  readonly password?: string;
  /** CA bundle / client certificate for mqtts:// and wss:// */
  readonly tls?: ClientTls;
  /** the job's data, when the caller has it prepared already (the lab); else derived from the config */
  readonly data?: FederatedData;
  /** how long to wait for every device to report ready; default: forever */
  readonly readyTimeoutMs?: number;
  /** evaluate the global model on held-out data after each round and log it (default true);
   *  the lab turns it off because it evaluates every round itself */
  readonly evaluateRounds?: boolean;
  /** the server node's model and figures at the end of each round (not called in a serverless job) */
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** after each round's held-out evaluation (when `evaluateRounds`) */
  readonly onEvaluated?: (round: number, loss: number, accuracy: number | null) => void;
  /** wraps the server node's port, e.g. `countTraffic(accounting)` in the lab */
  readonly wrapPort?: PortDecorator;
  /** every message the server node accepts, or in a serverless job every peer message observed (the gateway's own record of links; see MqttPortOptions.onReceive) */
  readonly onReceive?: (t: Transmission) => void;
  /** builds the job's algorithm instead of the registry (programs and tests running their own) */
  readonly buildAlgorithm?: BuildAlgorithm;
  /**
   * `state.dir`: checkpoint the server node after every round (model, algorithm state, round,
   * `ledger`) and resume from it when started again, instead of at round 1.
   */
  readonly stateDir?: string;
  /** `clean` turns the persistent MQTT session off (a `cluster.redis` gateway: not supported there yet) */
  readonly session?: 'clean' | 'persistent';
  /** the traffic ledger the checkpoint carries across a restart */
  readonly ledger?: TrafficAccounting;
  /** the run record's rounds so far, which the checkpoint carries too (a resumed gateway's record starts with them) */
  readonly history?: RoundHistory;
  /** bytes of partial chunked messages held at once (`limits.reassemblyBytes`; default 256 MiB) */
  readonly reassemblyBytes?: number;
  /**
   * The store of the broker this aggregator runs beside (the gateway's): each round's clock
   * is written there as the retained announcement instead of published, so only a device
   * that (re)joins reads it. Unset (another broker), each round's clock is published at QoS 0
   * and every connected device receives it.
   */
  readonly retainedStore?: RetainedStore;
}

/** What a checkpoint keeps of the run record besides the ledger (`GatewayRecorder`). */
export interface RoundHistory {
  save(): unknown;
  /** after the ledger was loaded (deltas per round continue from its totals); returns the rounds still awaiting their evaluation */
  load(saved: unknown): readonly number[];
}

/** The gateway's default reassembly budget: it receives every device's updates. */
export const GATEWAY_REASSEMBLY_BYTES = 256 * 1024 * 1024;

export interface RunningAggregator {
  readonly job: Job;
  readonly dim: number;
  /**
   * Resolves when every round is done, with the final global model (or, after `close()`, the
   * model as it stands); with null in a serverless job, where the gateway holds no model.
   */
  readonly done: Promise<Float32Array | null>;
  /** the job's health as it stands (rounds, updates per round, refusals, divergence): the run record's `health` */
  health(): HealthRecord;
  /** stops the job where it is (no `done` announcement), then disconnects; no timer outlives it */
  close(): Promise<void>;
}

/**
 * The aggregator: an MQTT client like any other (so it runs against any broker) that
 * announces the job on `ctl` (retained), waits until every device is ready, then runs the
 * algorithm's server node. Each round it logs the global model's held-out accuracy.
 * In a serverless job (no node has the server role) it runs no node: it starts the job's
 * clock, observes the peers' messages to advance it, and ends once every peer is done.
 */
export async function startAggregator(o: AggregatorOptions): Promise<RunningAggregator> {
  const data = o.data ?? prepareFederatedData(o.experiment.data, o.devices.length, o.experiment.seed);
  const evaluator: Trainer = await createTrainer({ model: o.experiment.model, data: data.test, seed: o.experiment.seed });
  const dim = evaluator.dim;
  let cfg: ExperimentConfig;
  let job: ReturnType<typeof createJob>;
  try {
    // budgets.total becomes per-device budgets before the job is built and announced.
    cfg = resolveTotalBudget(o.experiment, o.devices, dim);
    job = createJob(cfg, o.devices, o.buildAlgorithm);
  } catch (e) {
    await evaluator.close();
    throw e;
  }
  const log = o.log.child({ role: 'aggregator', job: cfg.job });
  const identity = jobIdentity(cfg, o.devices, dim);
  let client: FleetClient | undefined;
  try {
    // A checkpoint of this job: resume after its round (a foreign one is refused, naming the fix).
    const ckpt = o.stateDir !== undefined && !job.serverless ? readCheckpoint(o.stateDir, GATEWAY) : null;
    let unevaluated: readonly number[] = [];
    if (ckpt) {
      assertSameJob(ckpt, o.stateDir!, cfg.job, identity);
      if (ckpt.model.length !== dim) throw new AggregatorError(`checkpoint model has ${ckpt.model.length} parameters, the job's ${dim}`, 'delete the checkpoint to start afresh');
      if (o.ledger && ckpt.extra['ledger'] !== undefined) o.ledger.load(ckpt.extra['ledger']);
      if (o.history && ckpt.extra['rounds'] !== undefined) unevaluated = o.history.load(ckpt.extra['rounds']);
      log.info({ round: ckpt.round, savedAt: ckpt.savedAt, dir: o.stateDir }, 'resuming from checkpoint');
    }
    const resumeRound = ckpt ? ckpt.round + 1 : 1;
    client = await FleetClient.connect({
      url: o.url, clientId: `edgefl-aggregator-${cfg.job}`, job: cfg.job, device: GATEWAY,
      maxMessageBytes: cfg.transport.maxMessageBytes, qos: cfg.transport.qos, logger: log,
      // Updates sent while the aggregator restarts wait for it on the broker (QoS ≥ 1).
      session: cfg.transport.qos > 0 && o.session !== 'clean' ? 'persistent' : 'clean',
      reassembly: reassemblyLimits(o.reassemblyBytes ?? GATEWAY_REASSEMBLY_BYTES),
      // downlinks are shaped to their budgets' bitsPerSec
      shaper: new TokenBucketShaper({ rateOf: linkRate(cfg, o.devices) }),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls !== undefined ? { tls: o.tls } : {}),
    });
    const c = client;
    const health = new RunHealth({ rounds: cfg.rounds, devices: o.devices, hasServer: !job.serverless, maxEmptyRoundFraction: cfg.health.maxEmptyRoundFraction });
    health.reassemblyDrops = () => c.stats.reassemblyDrops;
    if (ckpt) health.resumedAfter = ckpt.round;
    const announcement = (state: 'running' | 'done', round: number): Uint8Array => encodeJobAnnouncement({ state, round, devices: o.devices, dim, experiment: cfg });
    const announce = (state: 'running' | 'done', round: number): Promise<unknown> => c.publish(topics.ctl(cfg.job), announcement(state, round), { retain: true });
    // A round's clock only matters to a device that (re)joins: it reads the retained
    // announcement when it subscribes, and a running device ignores a running job's clock.
    // Beside its own broker the aggregator writes it into the broker's retained store, so
    // nobody receives it: published, every connected device received the whole announcement
    // every round (at 1,000 devices 12 MB a round, 8–12 % of a 1,000-agent run's time). The
    // announcements that start and end a job are published at the job's QoS.
    const moveClock = (round: number): void => {
      const bytes = announcement('running', round);
      const moved = o.retainedStore ? c.storeRetained(topics.ctl(cfg.job), bytes, o.retainedStore) : c.publish(topics.ctl(cfg.job), bytes, { retain: true, qos: 0 });
      moved.catch((e: unknown) => log.warn({ round, reason: errorMessage(e) }, 'could not move the job\'s retained round clock'));
    };
    let host: HostedNode | undefined;
    let observer: PeerObserver | undefined;
    if (job.serverless) {
      observer = await observePeers(c, job, dim, log, (round) => {
        health.roundsObserved(round - 1);
        if (round > 1) moveClock(round);
      }, o.onReceive);
    } else {
      host = await hostNode({
        job, id: job.server, log, initial: { dim, params: ckpt ? Float32Array.from(ckpt.model) : evaluator.initParams(cfg.seed), layout: evaluator.layout },
        port: (spec) => mqttPort(c, spec, {
          routes: job.routes, log, expect: receiveChecks(job, dim), ...(o.onReceive ? { onReceive: o.onReceive } : {}), ...(resumeRound > 1 ? { firstRound: resumeRound } : {}),
        }),
        ...(o.wrapPort ? { wrapPort: o.wrapPort } : {}),
      });
    }
    // Updates of the round it resumes at may already be queued for it (a persistent session): take them.
    if (host && resumeRound > 1) host.port.mailbox.advance(resumeRound);
    // A device that reports ready again while rounds run restarted: it lost this round's broadcast.
    let resend: ((to: string) => void) | undefined;
    const ready = await watchReady(c, cfg.job, o.devices, log, (device) => resend?.(device));
    // A resumed job announces its round at once, so a device that (re)starts meanwhile starts there.
    await announce('running', ckpt ? Math.min(resumeRound, cfg.rounds) : 0);
    log.info({ devices: o.devices.length, dim, rounds: cfg.rounds, serverless: job.serverless }, 'job announced; waiting for devices');
    const stop = new AbortController();
    const done = (async (): Promise<Float32Array | null> => {
      if (host && ckpt && ckpt.round >= cfg.rounds) {
        // It crashed after its last round: nothing left to run, and its devices may be gone.
        await announce('done', cfg.rounds);
        removeCheckpoint(o.stateDir!, GATEWAY);
        return Float32Array.from(host.model());
      }
      if (ckpt) {
        // Resuming: the devices were ready before the crash and wait for this round. One that is
        // not back within a round's timeout misses rounds as any late device does (a stale
        // `offline` will of the crashed broker must not hold the job).
        await ready.all(cfg.transport.roundTimeoutMs, stop.signal).catch((e: unknown) => log.warn({ reason: errorMessage(e) }, 'resuming without every device ready'));
      } else {
        await ready.all(o.readyTimeoutMs, stop.signal);
      }
      if (stop.signal.aborted) return host ? Float32Array.from(host.model()) : null;
      log.info({}, 'all devices ready; starting rounds');
      if (!host) {
        // Serverless: the clock starts the peers; they run the rounds among themselves.
        await announce('running', 1);
        await ready.finished(stop.signal, () => observer!.clock >= cfg.rounds);
        if (stop.signal.aborted) return null;
        health.roundsObserved(Math.min(observer!.clock, cfg.rounds));
        await announce('done', cfg.rounds);
        log.info({ rounds: cfg.rounds }, 'every peer is done');
        return null;
      }
      // Held-out evaluation runs off the round's critical path, in order.
      let evaluations: Promise<void> = Promise.resolve();
      if (ckpt && o.evaluateRounds !== false && unevaluated.includes(ckpt.round)) {
        // the crash came between the checkpoint and its round's evaluation: evaluate the model it holds
        const snapshot = Float32Array.from(ckpt.model);
        evaluations = evaluator.evaluate(snapshot).then(
          (r) => {
            log.info({ round: ckpt.round, heldOutLoss: r.loss, heldOutAccuracy: r.accuracy }, 'checkpointed round evaluated');
            o.onEvaluated?.(ckpt.round, r.loss, r.accuracy);
          },
          (e: unknown) => log.warn({ round: ckpt.round, reason: errorMessage(e) }, 'evaluation failed'),
        );
      }
      await host.run({
        signal: stop.signal, health, firstRound: resumeRound, ...(ckpt?.state ? { restore: ckpt.state } : {}),
        onResender: (r) => (resend = r),
        // The retained announcement tracks the round, so a (re)joining device starts there.
        onRoundStart: moveClock,
        onRoundEnd: (round, model, metrics) => {
          // first the caller's bookkeeping (the record's entry for this round), then the checkpoint that carries it
          o.onRoundEnd?.(round, model, metrics);
          if (o.stateDir !== undefined) {
            try {
              writeCheckpoint(o.stateDir, {
                node: GATEWAY, job: cfg.job, identity, round, model: Float32Array.from(model), state: host!.snapshot(),
                extra: { ...(o.ledger ? { ledger: o.ledger.save() } : {}), ...(o.history ? { rounds: o.history.save() } : {}) },
              });
              log.debug({ round, dir: o.stateDir }, 'checkpoint written');
            } catch (e) {
              log.error({ round, dir: o.stateDir, reason: errorMessage(e) }, 'could not write the checkpoint; a restart would resume from an earlier round');
            }
          }
          if (o.evaluateRounds === false) return;
          const snapshot = Float32Array.from(model);
          evaluations = evaluations.then(() => evaluator.evaluate(snapshot)).then(
            // the gateway holds only the held-out rows, so both are held-out figures
            (r) => {
              log.info({ round, heldOutLoss: r.loss, heldOutAccuracy: r.accuracy }, 'round done');
              o.onEvaluated?.(round, r.loss, r.accuracy);
            },
            (e: unknown) => log.warn({ round, reason: errorMessage(e) }, 'evaluation failed'),
          );
        },
      });
      await evaluations;
      if (stop.signal.aborted) return Float32Array.from(host.model());
      await announce('done', cfg.rounds);
      // Done: the next run of this job starts at round 1, not at this one's end.
      if (o.stateDir !== undefined) removeCheckpoint(o.stateDir, GATEWAY);
      return Float32Array.from(host.model());
    })();
    return {
      job, dim, done,
      health: () => health.record(),
      async close() {
        stop.abort();
        await c.close();
        // The loop returns at its next step; an evaluation in flight finishes before the evaluator closes.
        await done.catch(() => undefined);
        await evaluator.close();
      },
    };
  } catch (e) {
    await client?.close();
    await evaluator.close();
    throw e;
  }
}

/** The whole-message limit follows the budget: a message larger than what may be held in parts could never complete. */
export function reassemblyLimits(budget: number): { maxPartialBytes: number; maxMessageBytes: number } {
  return { maxPartialBytes: budget, maxMessageBytes: Math.min(MAX_ENVELOPE_BYTES, budget) };
}

export class AggregatorError extends EdgeflError {
  constructor(message: string, hint: string) {
    super('AGGREGATOR', message, hint);
  }
}

/** Tracks which devices announced `ready` on their retained status topic. */
async function watchReady(client: FleetClient, job: string, devices: readonly string[], log: Log, onReadyAgain?: (device: string) => void) {
  const want = new Set(devices);
  const ready = new Set<string>();
  /** devices whose node finished the last round, and those whose last status was neither ready nor done */
  const done = new Set<string>();
  const gone = new Set<string>();
  let wake: (() => void) | null = null;
  let wakeFinished: (() => void) | null = null;
  await client.subscribe(filters.allStatus(job), (topic, bytes) => {
    const t = parseTopic(topic);
    if (t?.kind !== 'status' || !want.has(t.device)) return;
    const state = new TextDecoder().decode(bytes);
    if (state === STATUS_READY && gone.has(t.device)) onReadyAgain?.(t.device);
    if (state === STATUS_READY) ready.add(t.device);
    else ready.delete(t.device);
    if (state === STATUS_DONE) done.add(t.device);
    if (state === STATUS_READY || state === STATUS_DONE) gone.delete(t.device);
    else gone.add(t.device);
    log.debug({ device: t.device, state }, 'device status');
    if (ready.size === want.size) wake?.();
    wakeFinished?.();
  });
  return {
    /**
     * Resolves once every device reported `done` — or, when `over()` (the job reached its
     * last round), once every device not done has gone offline — or at once when `signal` aborts.
     */
    finished(signal: AbortSignal, over: () => boolean): Promise<void> {
      const isOver = (): boolean => done.size === want.size || (over() && [...want].every((d) => done.has(d) || gone.has(d)));
      if (isOver() || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const finish = (): void => {
          wakeFinished = null;
          signal.removeEventListener('abort', finish);
          resolve();
        };
        wakeFinished = () => {
          if (isOver()) finish();
        };
        signal.addEventListener('abort', finish, { once: true });
      });
    },
    /** Resolves once every device is ready, or at once when `signal` aborts. */
    all(timeoutMs: number | undefined, signal: AbortSignal): Promise<void> {
      if (ready.size === want.size || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        // The first few by name: a line naming all 1,000 of a fleet's devices is not read.
        const nag = setInterval(() => {
          const missing = [...want].filter((d) => !ready.has(d));
          log.info({ missingCount: missing.length, missing: missing.slice(0, 20) }, 'waiting for devices');
        }, 10_000);
        const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
          stopWaiting();
          reject(new AggregatorError(`devices not ready after ${timeoutMs} ms: ${[...want].filter((d) => !ready.has(d)).join(', ')}`,
            'start an agent for each missing device (edgefl agent --set device=<id>), or remove it from the gateway\'s devices'));
        }, timeoutMs);
        const stopWaiting = (): void => {
          wake = null;
          clearInterval(nag);
          if (timer) clearTimeout(timer);
          signal.removeEventListener('abort', finish);
        };
        const finish = (): void => {
          stopWaiting();
          resolve();
        };
        signal.addEventListener('abort', finish, { once: true });
        wake = finish;
      });
    },
  };
}
