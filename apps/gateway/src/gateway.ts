import type { Log } from '@edgefl/core';
import type { ExperimentConfig, MonitorConfig } from '@edgefl/config';
import { prepareFederatedData, type FederatedData } from '@edgefl/data';
import { createTrainer } from '@edgefl/train';
import { TrafficAccounting, countTraffic, createJob, resolveTotalBudget, type BuildAlgorithm, type PortDecorator, type RunRecord, type Transmission } from '@edgefl/runtime';
import { GATEWAY, type ClientTls } from '@edgefl/transport';
import { startBroker, type RunningBroker } from './broker.js';
import { startAggregator, type RunningAggregator } from './aggregator.js';
import { startGatewayMonitor, type GatewayMonitor } from './monitor/index.js';
import { GatewayRecorder } from './run-record.js';
import { Authorizer, type KeySource } from './security/authorizer.js';
import { ConnectionLimiter, DEFAULT_LIMITS, RateLimitedLog, isLoopback, type ConnectionLimits } from './security/limits.js';
import { startTlsListener, startWssListener, type RunningListener, type TlsListenOptions } from './security/listeners.js';
import { noNeighbours, type Neighbours } from './security/policy.js';
import { newSecret } from './security/secrets.js';
import { redisPersistence, redisStores } from './cluster/redis.js';

/**
 * Who may connect: per-device keys (`auth.keys` file, or entries provisioned in memory by
 * `edgefl sim`), or `none` — anonymous clients allowed, an explicit opt-out that warns.
 */
export type GatewayAuth = 'none' | { readonly keys: KeySource; readonly neighbours?: Neighbours };

export interface GatewayListen {
  /** plain MQTT over TCP; keep it on loopback unless the network is trusted */
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsListenOptions;
  readonly wss?: TlsListenOptions;
}

/** What every gateway's broker needs, with or without an aggregator next to it. */
export interface SecureBrokerOptions {
  readonly listen: GatewayListen;
  readonly auth: GatewayAuth;
  readonly limits?: Partial<ConnectionLimits> & { readonly connectTimeoutMs?: number; readonly reassemblyBytes?: number };
  /** share state with other gateways through Redis (one fleet split across gateways) */
  readonly cluster?: { readonly redis: string };
  /** keep the broker's sessions, queued QoS 1 messages and retained messages in Redis, so they survive a gateway restart */
  readonly persistence?: { readonly redis: string };
  readonly experiment: ExperimentConfig;
  readonly log: Log;
}

export interface RunningSecureBroker {
  readonly broker: RunningBroker;
  readonly url: string;
  readonly tls?: RunningListener;
  readonly wss?: RunningListener;
  readonly authorizer?: Authorizer;
  readonly limiter: ConnectionLimiter;
  /** the embedded aggregator's in-process secret (accepted only by this broker) */
  readonly aggregatorSecret: string;
  close(): Promise<void>;
}

export interface GatewayOptions extends SecureBrokerOptions {
  readonly experiment: ExperimentConfig;
  readonly devices: readonly string[];
  readonly log: Log;
  readonly data?: FederatedData;
  readonly readyTimeoutMs?: number;
  readonly evaluateRounds?: boolean;
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /**
   * The ledger the monitor and run record read. Shared with the agents (the lab), who count
   * their own traffic with `countTraffic(accounting)` — pass the same decorator as `wrapPort`.
   * Absent: the gateway keeps its own ledger, counting what its server node sends and receives.
   */
  readonly accounting?: TrafficAccounting;
  /**
   * Serve the dashboard, /metrics and /api/links here. With `auth.keys` the monitor asks
   * for HTTP Basic credentials and checks them against the same key file (any identity's
   * id and secret); with `auth: none` it is open, like the broker.
   */
  readonly monitor?: MonitorConfig;
  /** wraps the server node's port, e.g. `countTraffic(accounting)` in the lab */
  readonly wrapPort?: PortDecorator;
  /** builds the job's algorithm instead of the registry (programs and tests running their own) */
  readonly buildAlgorithm?: BuildAlgorithm;
  /** `state.dir`: the aggregator checkpoints here after every round and resumes from it (see AggregatorOptions.stateDir) */
  readonly stateDir?: string;
}

export interface RunningGateway {
  readonly broker: RunningBroker;
  readonly aggregator: RunningAggregator;
  /** the plain broker address, e.g. mqtt://127.0.0.1:1883 */
  readonly url: string;
  /** the TLS listeners that are up */
  readonly tls?: RunningListener;
  readonly wss?: RunningListener;
  /** key checks and topic policy (absent with `auth: none`) */
  readonly authorizer?: Authorizer;
  readonly limiter: ConnectionLimiter;
  /** live per-device and per-link traffic (always counted; served over HTTP when `monitor` is set) */
  readonly monitor: GatewayMonitor;
  /** the run record so far (edgefl-run/1) */
  record(): RunRecord;
  close(): Promise<void>;
}

/**
 * An aedes broker with edgefl's security: key checks and topic policy (unless `auth:
 * none`), connection limits, TLS/WSS listeners, rate-limited per-connection warnings, and
 * optionally Redis-shared state. `edgefl gateway` runs one with the aggregator next to it;
 * further gateways of a cluster run just this.
 */
export async function startSecureBroker(o: SecureBrokerOptions): Promise<RunningSecureBroker> {
  // Per-connection warnings (refusals, bad packets, handshakes) are rate-limited.
  const brokerLog = new RateLimitedLog(o.log.child({ role: 'broker' }));
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) };
  const limiter = new ConnectionLimiter(limits, brokerLog);
  const aggregatorSecret = newSecret();
  let authorizer: Authorizer | undefined;
  if (o.auth === 'none') {
    o.log.warn({}, 'auth: none — anonymous clients may connect, publish and read every topic; use only on a trusted, isolated network (docs/security.md)');
  } else {
    authorizer = new Authorizer({
      keys: o.auth.keys, jobs: [o.experiment.job], neighbours: o.auth.neighbours ?? noNeighbours, aggregatorSecret, log: brokerLog,
    });
  }
  warnExposure(o, o.log);
  const stores = o.cluster ? redisStores(o.cluster.redis) : o.persistence ? redisPersistence(o.persistence.redis) : undefined;
  let broker: RunningBroker;
  try {
    broker = await startBroker({
      host: o.listen.host, port: o.listen.port, maxMessageBytes: o.experiment.transport.maxMessageBytes, logger: brokerLog,
      ...(o.limits?.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.limits.connectTimeoutMs } : {}),
      admitConnection: (socket) => limiter.admit(socket),
      ...(authorizer ? authorizer.hooks : {}),
      ...(stores ? { stores } : {}),
    });
  } catch (e) {
    authorizer?.close();
    await stores?.close();
    throw e;
  }
  if (o.cluster) o.log.info({ redis: redactUrl(o.cluster.redis) }, 'broker state shared through Redis');
  else if (o.persistence) o.log.info({ redis: redactUrl(o.persistence.redis) }, 'broker sessions and queued messages kept in Redis');
  authorizer?.attach(broker.aedes);
  const listeners: RunningListener[] = [];
  let tls: RunningListener | undefined;
  let wss: RunningListener | undefined;
  const close = async (): Promise<void> => {
    for (const l of listeners) await l.close();
    await broker.close();
    await stores?.close();
    authorizer?.close();
  };
  try {
    if (o.listen.tls) listeners.push((tls = await startTlsListener(broker, o.listen.tls, limiter, brokerLog, o.limits?.connectTimeoutMs)));
    if (o.listen.wss) listeners.push((wss = await startWssListener(broker, o.listen.wss, limiter, brokerLog, o.limits?.connectTimeoutMs)));
  } catch (e) {
    await close();
    throw e;
  }
  return {
    broker, url: broker.url, limiter, aggregatorSecret, close,
    ...(tls ? { tls } : {}), ...(wss ? { wss } : {}), ...(authorizer ? { authorizer } : {}),
  };
}

/** `edgefl gateway`: an aedes broker with the job's aggregator next to it, and its monitor. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  // budgets.total becomes per-device budgets now, so the monitor, record and job all see them.
  const o: GatewayOptions = { ...options, experiment: await withTotalBudget(options.experiment, options.devices, options.data) };
  const cfg = o.experiment;
  // The job is built (and checked) before the broker starts: its algorithm's senders say
  // whose peer topics each device may read.
  const job = createJob(cfg, o.devices, o.buildAlgorithm);
  const auth: GatewayAuth = o.auth === 'none' || o.auth.neighbours ? o.auth : { ...o.auth, neighbours: (d) => job.routes.senders(d) };
  const sb = await startSecureBroker({ ...o, auth });
  const { broker, authorizer } = sb;
  if (authorizer) {
    const known = new Set(authorizer.identities);
    const missing = o.devices.filter((d) => !known.has(d));
    if (missing.length > 0) {
      o.log.warn({ missing }, 'devices of the job without a key cannot connect; add them with `edgefl keys add <device> --keys <file>`');
    }
  }
  const own = o.accounting === undefined;
  const accounting = o.accounting ?? new TrafficAccounting(cfg.transport.maxMessageBytes, cfg.transport.qos);
  // The gateway's own ledger counts its server node's sends too (after any caller's decorator).
  const counting = own ? countTraffic(accounting) : undefined;
  const wrapPort: PortDecorator | undefined = counting && o.wrapPort ? (p, spec) => counting(o.wrapPort!(p, spec), spec) : (counting ?? o.wrapPort);
  let monitor: GatewayMonitor;
  try {
    monitor = await startGatewayMonitor({
      job: cfg.job, devices: o.devices, rounds: cfg.rounds, budgets: cfg.budgets, accounting, counters: broker.counters, aedes: broker.aedes,
      log: o.log.child({ role: 'monitor' }),
      ...(o.monitor ? {
        http: {
          host: o.monitor.host, port: o.monitor.port, ...(o.monitor.tls ? { tls: o.monitor.tls } : {}),
          // HTTP Basic against the gateway's key file: the monitor is as closed as the broker.
          ...(authorizer ? { authenticate: (u: string, p: Buffer) => authorizer.checkKey(u, p) } : {}),
        },
      } : {}),
    });
  } catch (e) {
    await sb.close();
    throw e;
  }
  const recorder = new GatewayRecorder(cfg, o.devices, accounting, monitor.links);
  let aggregator: RunningAggregator;
  try {
    aggregator = await startAggregator({
      url: `mqtt://127.0.0.1:${broker.port}`, experiment: cfg, devices: o.devices, log: o.log,
      // Its broker is this process's: each round's clock goes to the retained store, not to
      // every device. The monitor, which reads the round from ctl publishes, is told as well.
      retainedStore: async (topic, payload, qos) => {
        await broker.storeRetained(topic, payload, qos);
        monitor.links.onMessage(topic, payload, null, qos);
      },
      ...(wrapPort ? { wrapPort } : {}),
      ...(own ? { onReceive: (t: Transmission) => accounting.record(t) } : {}),
      ...(o.buildAlgorithm ? { buildAlgorithm: o.buildAlgorithm } : {}),
      ...(o.stateDir !== undefined ? { stateDir: o.stateDir, ledger: accounting, history: recorder } : {}),
      // Persistent sessions do not work yet with the cluster's Redis stores (devices never got ready).
      ...(o.cluster ? { session: 'clean' as const } : {}),
      ...(authorizer ? { username: GATEWAY, password: sb.aggregatorSecret } : {}),
      ...(o.data ? { data: o.data } : {}),
      ...(o.readyTimeoutMs !== undefined ? { readyTimeoutMs: o.readyTimeoutMs } : {}),
      ...(o.evaluateRounds !== undefined ? { evaluateRounds: o.evaluateRounds } : {}),
      ...(o.limits?.reassemblyBytes !== undefined ? { reassemblyBytes: o.limits.reassemblyBytes } : {}),
      onRoundEnd: (round, model, metrics) => {
        recorder.roundEnded(round);
        o.onRoundEnd?.(round, model, metrics);
      },
      onEvaluated: (round, loss, accuracy) => {
        recorder.evaluated(round, loss, accuracy);
        monitor.links.setEvaluation(round, loss, accuracy);
      },
    });
  } catch (e) {
    await monitor.close();
    await sb.close();
    throw e;
  }
  recorder.setAlgorithm(aggregator.dim, aggregator.job.algorithm);
  recorder.setHealth(() => aggregator.health());
  return {
    broker, aggregator, monitor, url: broker.url, limiter: sb.limiter,
    ...(sb.tls ? { tls: sb.tls } : {}), ...(sb.wss ? { wss: sb.wss } : {}), ...(authorizer ? { authorizer } : {}),
    record: () => recorder.record(),
    async close() {
      await aggregator.close();
      await monitor.close();
      await sb.close();
    },
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** Warns once at start about a listener an attacker on the network could use. */
function warnExposure(o: SecureBrokerOptions, log: Log): void {
  if (!isLoopback(o.listen.host)) {
    log.warn({ host: o.listen.host, port: o.listen.port },
      o.auth === 'none'
        ? 'plain MQTT on a non-loopback address with auth: none — anyone who can reach this port controls the job; set listen.host: 127.0.0.1 and use listen.tls with auth.keys'
        : 'plain MQTT (no TLS) on a non-loopback address — device secrets and model updates cross the network in clear; use listen.tls, and keep listen.host: 127.0.0.1');
  }
  for (const [name, l] of [['tls', o.listen.tls], ['wss', o.listen.wss]] as const) {
    if (l !== undefined && !isLoopback(l.host) && o.auth === 'none' && l.ca === undefined) {
      log.warn({ listener: name, host: l.host }, 'TLS listener on a public address with auth: none and no client CA — anyone may join; set auth.keys or listen.tls.ca');
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { ClientTls };

/** The experiment with `budgets.total` split across `devices` (the model's size is needed: a trainer is built only then). */
async function withTotalBudget(cfg: ExperimentConfig, devices: readonly string[], data: FederatedData | undefined): Promise<ExperimentConfig> {
  if (cfg.budgets?.total === undefined) return cfg;
  const d = data ?? prepareFederatedData(cfg.data, devices.length, cfg.seed);
  const t = await createTrainer({ model: cfg.model, data: d.test, seed: cfg.seed });
  try {
    return resolveTotalBudget(cfg, devices, t.dim);
  } finally {
    await t.close();
  }
}
