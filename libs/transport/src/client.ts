import { getRandomValues } from 'node:crypto';
import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { LogThrottle, errorMessage, nullLog } from '@edgefl/core';
import type { Log } from '@edgefl/core';
import { Reassembler } from './chunking.js';
import type { ReassemblerLimits } from './chunking.js';
import { splitMessage } from './chunking.js';
import { TransportError } from './errors.js';
import { ReconnectBackoff, connackRefusal } from './reconnect.js';
import { ByteLedger, mqttPublishPacketBytes, varintBytes } from './ledger.js';
import { connectMqtt } from './nodelay.js';
import { unlimitedShaper } from './shaper.js';
import type { Shaper } from './shaper.js';
import { assertId, filterMatcher, linkOfTopic, parseTopic, topics } from './topics.js';
import type { LinkId } from './topics.js';

export type Qos = 0 | 1 | 2;

export interface FleetClientOptions {
  /** broker url, e.g. `mqtt://127.0.0.1:1883` */
  readonly url: string;
  /** MQTT client id; unique per connection on the broker */
  readonly clientId: string;
  readonly job: string;
  /** this client's device id (the aggregator uses e.g. `gateway`) */
  readonly device: string;
  readonly username?: string;
  readonly password?: string;
  /** largest MQTT payload per PUBLISH the broker accepts; larger messages are chunked */
  readonly maxMessageBytes: number;
  readonly qos: Qos;
  readonly logger?: Log;
  /** rate-budget hook (later issue); default admits everything */
  readonly shaper?: Shaper;
  /** receive-side limits; `maxMessageBytes` here is the largest *reassembled* message (default 64 MiB) */
  readonly reassembly?: Partial<ReassemblerLimits>;
  /** give up the first connection after this long (default 30 s) */
  readonly connectTimeoutMs?: number;
  /** first pause after a lost connection (default 1 s); doubled after each failed attempt */
  readonly reconnectPeriodMs?: number;
  /** the pause between reconnect attempts never grows beyond this (default 30 s) */
  readonly maxReconnectPeriodMs?: number;
  /** stop reconnecting once the connection has been down this long (default: never); `onGiveUp` is told why */
  readonly giveUpAfterMs?: number;
  /** called once when the client gives up reconnecting (it is closed by then) */
  readonly onGiveUp?: (err: TransportError) => void;
  readonly keepaliveSec?: number;
  /**
   * `persistent` (MQTT clean = false): the broker keeps this client id's subscriptions and
   * queues its QoS ≥ 1 messages while it is away (a restart, a stop past keepalive, a broker
   * restart with persistence), and delivers them when it reconnects. Default `clean`.
   */
  readonly session?: 'clean' | 'persistent';
  /** for `mqtts://` and `wss://`: CA bundle to trust, and a client certificate/key for mutual TLS (PEM contents) */
  readonly tls?: ClientTls;
}

/** TLS material for a client (PEM contents, not paths). Server certificates are always verified. */
export interface ClientTls {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

export interface PublishOptions {
  readonly retain?: boolean;
  /** the link this message travels, and its payload bits as the papers count them; default: derived from the topic, 0 bits */
  readonly link?: LinkId & { readonly payloadBits: number };
  readonly qos?: Qos;
}

export interface PublishReceipt {
  readonly link: LinkId;
  /** PUBLISH packets sent (1 unless chunked) */
  readonly packets: number;
  /** MQTT bytes of those packets, headers included */
  readonly wireBytes: number;
}

/** Writes a retained message into a broker's store without delivering it (RunningBroker.storeRetained of the gateway's broker). */
export type RetainedStore = (topic: string, payload: Uint8Array, qos: Qos) => Promise<void>;

/** Receives whole (reassembled) messages. Errors it throws or rejects with are logged, never rethrown. */
export type MessageHandler = (topic: string, bytes: Uint8Array) => void | Promise<void>;

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';

interface HandlerEntry {
  readonly filter: string;
  readonly matches: (topic: string) => boolean;
  readonly handler: MessageHandler;
}

/** Counts of what the receive path dropped, for tests and telemetry. */
export interface ReceiveStats {
  messages: number;
  duplicates: number;
  rejected: number;
  handlerErrors: number;
  /** partial chunked messages dropped because the reassembly budget (`reassembly.maxPartialBytes`) was full */
  reassemblyDrops: number;
}

/** How long `close()` waits for the broker to acknowledge the offline status. */
export const CLOSE_ACK_MS = 2000;

/** mqtt.js's `log` option when DEBUG is unset (see `connect`). */
const noTrace = (): void => {};
/** Bound of the messages kept for a handler not subscribed yet (see `unclaimed`). */
const UNCLAIMED_MESSAGES = 256;
const UNCLAIMED_BYTES = 16 * 1024 * 1024;

/**
 * One edgefl participant on an MQTT broker (mqtt.js 5, MQTT 3.1.1 because aedes 1.x
 * speaks nothing newer). Adds to plain MQTT: chunking to the broker's limit and
 * reassembly, replay drop, a retained `status` with last will, and a byte ledger per
 * link of every PUBLISH sent (`ledger`) and received (`received`).
 */
export class FleetClient {
  readonly job: string;
  readonly device: string;
  private qosLevel: Qos;
  private maxBytes: number;
  /** PUBLISH packets this client sent, per link */
  readonly ledger = new ByteLedger();
  /** PUBLISH packets delivered to this client, per link (payloadBits stay 0: unknown to the transport) */
  readonly received = new ByteLedger();
  readonly stats: ReceiveStats = { messages: 0, duplicates: 0, rejected: 0, handlerErrors: 0, reassemblyDrops: 0 };
  private readonly throttle = new LogThrottle();
  readonly statusTopic: string;

  private readonly mqtt: MqttClient;
  private readonly log: Log;
  private readonly shaper: Shaper;
  private readonly reassembler: Reassembler;
  private readonly handlers: HandlerEntry[] = [];
  /**
   * Whole messages no handler wanted yet: a persistent session's queue arrives right after
   * CONNECT, before the node's port subscribed. Replayed to the first handler that matches;
   * bounded (the oldest are dropped first).
   */
  private readonly unclaimed: { topic: string; bytes: Uint8Array }[] = [];
  private unclaimedBytes = 0;
  private readonly backoff: ReconnectBackoff;
  private nextMsgId: number;
  private closed = false;
  /** closed by the back-off giving up, not by close() */
  private gaveUp = false;
  /** what `status` says while connected; republished after a reconnect replaced it with the will */
  private status = STATUS_ONLINE;

  private constructor(client: MqttClient, opts: FleetClientOptions, log: Log) {
    this.mqtt = client;
    this.job = opts.job;
    this.device = opts.device;
    this.qosLevel = opts.qos;
    this.maxBytes = opts.maxMessageBytes;
    this.statusTopic = topics.status(opts.job, opts.device);
    this.log = log;
    this.shaper = opts.shaper ?? unlimitedShaper;
    this.reassembler = new Reassembler({ maxMessageBytes: 64 * 1024 * 1024, ...opts.reassembly });
    // Random start: a restarted sender must not reuse the ids its receivers remember.
    this.nextMsgId = getRandomValues(new Uint32Array(1))[0]!;
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    this.backoff = new ReconnectBackoff(client, {
      url: opts.url, clientId: opts.clientId, device: opts.device,
      basePeriodMs: opts.reconnectPeriodMs ?? 1000, maxPeriodMs: opts.maxReconnectPeriodMs ?? 30_000,
      ...(opts.giveUpAfterMs !== undefined ? { giveUpAfterMs: opts.giveUpAfterMs } : {}),
    }, log, (err) => {
      this.closed = true;
      this.gaveUp = true;
      this.log.error({ err: err.message }, 'gave up reconnecting');
      opts.onGiveUp?.(err);
    });
    client.on('connect', () => {
      // A reconnect after a lost connection: the broker published our will (`offline`).
      this.publishStatus(this.status).catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'could not republish status'));
    });
    // After close() only the teardown's own races remain (e.g. a PUBACK written after end);
    // while reconnecting, the back-off logs each failed attempt once.
    client.on('error', (err) => (this.closed || this.backoff.reconnecting ? this.log.debug : this.log.error).call(this.log, { err: errorMessage(err) }, 'mqtt error'));
  }

  /** Connects, sets the last will (`offline`, retained) and publishes `online` (retained). */
  static async connect(opts: FleetClientOptions): Promise<FleetClient> {
    assertId(opts.job, 'job');
    assertId(opts.device, 'device');
    validateOptions(opts);
    const log = (opts.logger ?? nullLog).child({ device: opts.device, clientId: opts.clientId });
    const status = topics.status(opts.job, opts.device);
    const mqttOpts: IClientOptions = {
      clientId: opts.clientId,
      protocolVersion: 4,
      clean: opts.session !== 'persistent',
      resubscribe: true,
      reconnectPeriod: opts.reconnectPeriodMs ?? 1000,
      connectTimeout: opts.connectTimeoutMs ?? 30_000,
      keepalive: opts.keepaliveSec ?? 30,
      will: { topic: status, payload: Buffer.from(STATUS_OFFLINE), qos: opts.qos, retain: true },
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.tls?.ca !== undefined ? { ca: opts.tls.ca } : {}),
      ...(opts.tls?.cert !== undefined ? { cert: opts.tls.cert } : {}),
      ...(opts.tls?.key !== undefined ? { key: opts.tls.key } : {}),
      rejectUnauthorized: true,
      // mqtt.js traces every packet through the `debug` package even when no DEBUG names it
      // (about 1 % of the agent thread of a 1,000-agent sim); with DEBUG set, its tracing stays.
      ...(process.env['DEBUG'] ? {} : { log: noTrace }),
    };
    const client = await connectOnce(opts.url, mqttOpts, opts.connectTimeoutMs ?? 30_000, opts.device);
    const fc = new FleetClient(client, opts, log);
    await fc.publishStatus(STATUS_ONLINE);
    log.info({ url: opts.url }, 'mqtt connected');
    return fc;
  }

  get connected(): boolean {
    return this.mqtt.connected;
  }

  /** QoS of publishes and subscriptions unless a call says otherwise */
  get qos(): Qos {
    return this.qosLevel;
  }

  /** Adopts the QoS a gateway announced for its job (later publishes and subscriptions use it). */
  setQos(qos: Qos): void {
    validateQos(qos);
    this.qosLevel = qos;
  }

  /**
   * Publishes `bytes` on `topic`, split into chunks if it exceeds `maxMessageBytes`, and
   * records every PUBLISH packet in `ledger` under the message's link. Resolves once
   * every packet is sent (QoS 0) or acknowledged (QoS 1/2).
   */
  async publish(topic: string, bytes: Uint8Array, options: PublishOptions = {}): Promise<PublishReceipt> {
    if (this.closed) throw new TransportError(`publish on ${topic} after close()`, 'publish before closing the client');
    const link = options.link ?? this.defaultLink(topic);
    const qos = options.qos ?? this.qos;
    const frames = splitMessage(this.takeMsgId(), bytes, this.maxMessageBytes);
    // A broker retains one PUBLISH per topic: a late subscriber would get only the last chunk.
    if (options.retain === true && frames.length > 1) throw this.retainedTooLarge(topic, bytes, frames.length);
    const topicBytes = Buffer.byteLength(topic);
    const pending: Promise<unknown>[] = [];
    let wireBytes = 0;
    for (const frame of frames) {
      const size = mqttPublishPacketBytes(topicBytes, frame.length, qos, 4);
      await this.shaper.admit(link, size);
      const payload = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      const sent = this.mqtt.publishAsync(topic, payload, { qos, retain: options.retain ?? false }).then(() => {
        this.ledger.recordPacket(link, size);
        this.shaper.sent?.(link, size);
      });
      // Handled below by Promise.all; this keeps a failure during a later shaper wait from
      // counting as an unhandled rejection (which would end the process).
      sent.catch(() => {});
      pending.push(sent);
      wireBytes += size;
    }
    this.ledger.recordMessage(link, options.link?.payloadBits ?? 0);
    await Promise.all(pending);
    return { link, packets: frames.length, wireBytes };
  }

  /**
   * Subscribes to MQTT filters; `handler` gets every whole message whose topic matches
   * one of them. Resolves after the broker's SUBACK. Resubscribed on reconnect.
   */
  async subscribe(filterOrFilters: string | readonly string[], handler: MessageHandler): Promise<void> {
    const fs = typeof filterOrFilters === 'string' ? [filterOrFilters] : [...filterOrFilters];
    const entries = fs.map((filter) => ({ filter, matches: filterMatcher(filter), handler }));
    this.handlers.push(...entries);
    const refused = (why: string, cause?: unknown): TransportError => {
      for (const e of entries) this.handlers.splice(this.handlers.indexOf(e), 1);
      return new TransportError(
        `broker refused the subscription to ${fs.join(', ')}: ${why}`,
        'check the ACL for this device on the broker (a device may read only what is addressed to it or to all)',
        { cause },
      );
    };
    let granted;
    try {
      granted = await this.mqtt.subscribeAsync(fs, { qos: this.qos });
    } catch (e) {
      // mqtt.js 5 rejects when any filter is granted 0x80.
      throw refused(errorMessage(e), e);
    }
    const denied = granted.filter((g) => g.qos === 128).map((g) => g.topic);
    if (denied.length > 0) throw refused(`denied ${denied.join(', ')}`);
    this.replayUnclaimed(entries);
  }

  private replayUnclaimed(entries: readonly HandlerEntry[]): void {
    for (let i = 0; i < this.unclaimed.length;) {
      const m = this.unclaimed[i]!;
      const mine = entries.filter((e) => e.matches(m.topic));
      if (mine.length === 0) {
        i++;
        continue;
      }
      this.unclaimed.splice(i, 1);
      this.unclaimedBytes -= m.bytes.length;
      this.log.debug({ topic: m.topic }, 'message queued before its subscription delivered');
      for (const h of mine) this.deliver(h, m.topic, m.bytes);
    }
  }

  /**
   * Makes `bytes` the retained message of `topic` through `store` (the broker this process
   * runs) instead of publishing it: nobody receives it now, a client that subscribes later
   * does, framed as a retained publish from this client would be (the next message id of
   * this client's sequence, so no later message of it reads as a repeat). Nothing crosses
   * the wire, so nothing is counted.
   */
  async storeRetained(topic: string, bytes: Uint8Array, store: RetainedStore): Promise<void> {
    if (this.closed) throw new TransportError(`storeRetained on ${topic} after close()`, 'store before closing the client');
    const frames = splitMessage(this.takeMsgId(), bytes, this.maxMessageBytes);
    if (frames.length > 1) throw this.retainedTooLarge(topic, bytes, frames.length);
    await store(topic, frames[0]!, this.qos);
  }

  /** Removes the retained message of `topic` (an empty retained PUBLISH, MQTT 3.1.1 §3.3.1.3). */
  async clearRetained(topic: string): Promise<void> {
    const link = this.defaultLink(topic);
    const size = mqttPublishPacketBytes(Buffer.byteLength(topic), 0, this.qos, 4);
    await this.mqtt.publishAsync(topic, Buffer.alloc(0), { qos: this.qos, retain: true });
    this.ledger.recordPacket(link, size);
  }

  /** Publishes `offline` (retained), then disconnects cleanly. */
  async close(): Promise<void> {
    this.backoff.stop();
    if (this.closed) {
      // gave up reconnecting: the client was ended with force; wait for that to finish
      if (this.gaveUp && !this.mqtt.disconnected) await this.mqtt.endAsync(true);
      return;
    }
    this.closed = true;
    let acked = false;
    if (this.mqtt.connected) {
      // A broker that goes away meanwhile (a gateway closing once the job is done) never
      // acknowledges: wait for the offline status a bounded time, then leave regardless.
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          this.publishStatus(STATUS_OFFLINE),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no acknowledgement within ${CLOSE_ACK_MS} ms`)), CLOSE_ACK_MS);
          }),
        ]);
        acked = true;
      } catch (e) {
        this.log.warn({ err: errorMessage(e) }, 'could not publish offline status');
      } finally {
        clearTimeout(timer);
      }
    }
    // While offline (or unacknowledged) nothing in flight can complete; do not wait for it.
    await this.mqtt.endAsync(!acked || !this.mqtt.connected);
    this.log.info({}, 'mqtt closed');
  }

  /** largest MQTT payload per PUBLISH; larger messages are chunked */
  get maxMessageBytes(): number {
    return this.maxBytes;
  }

  /** Adopts the broker limit a gateway announced (it may differ from the one connected with). */
  setMaxMessageBytes(limit: number): void {
    validateLimit(limit);
    this.maxBytes = limit;
  }

  /**
   * Sets this participant's retained status (e.g. `ready` once it can take part in a job);
   * it is republished after every reconnect, and `offline` replaces it on close or loss.
   */
  async setStatus(status: string): Promise<void> {
    if (status.length === 0 || status.length > 64) {
      throw new TransportError(`status ${JSON.stringify(status)} must be 1 to 64 characters`, 'use a short word such as ready');
    }
    this.status = status;
    await this.publishStatus(status);
  }

  /** The underlying mqtt.js client, for tests and tools that need raw MQTT. */
  get raw(): MqttClient {
    return this.mqtt;
  }

  /** Status is plain text (no frame) so any MQTT tool can read it; it is counted like any PUBLISH. */
  private async publishStatus(status: string): Promise<void> {
    const link = this.defaultLink(this.statusTopic);
    const size = mqttPublishPacketBytes(Buffer.byteLength(this.statusTopic), Buffer.byteLength(status), this.qos, 4);
    await this.mqtt.publishAsync(this.statusTopic, status, { qos: this.qos, retain: true });
    this.ledger.recordMessage(link, 0);
    this.ledger.recordPacket(link, size);
  }

  private retainedTooLarge(topic: string, bytes: Uint8Array, chunks: number): TransportError {
    return new TransportError(
      `retained message of ${bytes.length} bytes on ${topic} needs ${chunks} chunks, but a broker retains only one PUBLISH per topic`,
      `keep retained messages (ctl, status) under maxMessageBytes − 5 = ${this.maxMessageBytes - 5} bytes, or publish without retain`,
    );
  }

  private takeMsgId(): number {
    const id = this.nextMsgId;
    this.nextMsgId = (this.nextMsgId + 1) >>> 0;
    return id;
  }

  private defaultLink(topic: string): LinkId {
    const parsed = parseTopic(topic);
    return parsed === null ? { from: this.device, to: topic } : linkOfTopic(parsed);
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    try {
      let parsed;
      try {
        parsed = parseTopic(topic);
      } catch (e) {
        this.stats.rejected++;
        this.log.warn({ topic, err: errorMessage(e) }, 'message rejected');
        return;
      }
      const link = parsed === null ? { from: topic, to: this.device } : linkOfTopic(parsed);
      this.received.recordPacket(link, receivedPacketBytes(topic, payload.length, packet));
      if (payload.length === 0) {
        // A retained message being cleared: nothing to deliver, nothing wrong.
        this.log.debug({ topic }, 'empty payload (retained message cleared)');
        return;
      }
      if (parsed?.kind === 'status') {
        // Status is plain text (no frame) so any MQTT tool can read it.
        this.received.recordMessage(link, 0);
        this.dispatch(topic, payload);
        return;
      }
      // mqtt.js allocates each payload for this one message: handed over, not copied again.
      const r = this.reassembler.push(topic, payload, Date.now(), true);
      if (this.reassembler.budgetDrops > this.stats.reassemblyDrops) {
        const dropped = this.reassembler.budgetDrops - this.stats.reassemblyDrops;
        this.stats.reassemblyDrops = this.reassembler.budgetDrops;
        this.throttle.log(this.log, 'warn', 'reassembly-budget', { topic, dropped, budgetBytes: this.reassembler.limits.maxPartialBytes },
          'partial chunked message dropped: the reassembly budget is full (limits.reassemblyBytes)');
      }
      switch (r.kind) {
        case 'message':
          this.received.recordMessage(link, 0);
          this.dispatch(topic, r.bytes);
          return;
        case 'partial':
          return;
        case 'duplicate':
          this.stats.duplicates++;
          this.log.debug({ topic, msgId: r.msgId }, 'duplicate dropped');
          return;
        case 'rejected':
          this.stats.rejected++;
          this.throttle.log(this.log, 'warn', 'rejected', { topic, err: r.error.describe() }, 'message rejected');
          return;
      }
    } catch (e) {
      // Nothing a peer sends may throw out of mqtt.js's event handler.
      this.stats.rejected++;
      this.log.error({ topic, err: errorMessage(e) }, 'receive path failed');
    }
  }

  private dispatch(topic: string, bytes: Uint8Array): void {
    this.stats.messages++;
    let claimed = false;
    for (const h of this.handlers) {
      if (!h.matches(topic)) continue;
      claimed = true;
      this.deliver(h, topic, bytes);
    }
    if (!claimed) {
      this.unclaimed.push({ topic, bytes });
      this.unclaimedBytes += bytes.length;
      while (this.unclaimed.length > UNCLAIMED_MESSAGES || this.unclaimedBytes > UNCLAIMED_BYTES) this.unclaimedBytes -= this.unclaimed.shift()!.bytes.length;
    }
  }

  private deliver(h: HandlerEntry, topic: string, bytes: Uint8Array): void {
    try {
      const p = h.handler(topic, bytes);
      if (p !== undefined && typeof p.then === 'function') {
        p.then(undefined, (e: unknown) => this.handlerFailed(topic, e));
      }
    } catch (e) {
      this.handlerFailed(topic, e);
    }
  }

  private handlerFailed(topic: string, e: unknown): void {
    this.stats.handlerErrors++;
    this.log.error({ topic, err: errorMessage(e) }, 'message handler failed');
  }
}

/** Bytes of a received PUBLISH: mqtt-packet reports its Remaining Length as `length`. */
function receivedPacketBytes(topic: string, payloadLength: number, packet: IPublishPacket): number {
  const remaining = (packet as IPublishPacket & { length?: number }).length;
  if (typeof remaining === 'number' && remaining >= 0) return 1 + varintBytes(remaining) + remaining;
  return mqttPublishPacketBytes(Buffer.byteLength(topic), payloadLength, packet.qos, 4);
}

function validateLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 64) {
    throw new TransportError(`maxMessageBytes ${limit} is not a usable broker limit`, 'set maxMessageBytes to the broker limit in bytes, e.g. 262144');
  }
}

function validateQos(qos: Qos): void {
  if (qos !== 0 && qos !== 1 && qos !== 2) {
    throw new TransportError(`qos ${String(qos)} is not an MQTT QoS`, 'use qos 0, 1 or 2 (edgefl defaults to 1)');
  }
}

function validateOptions(opts: FleetClientOptions): void {
  validateLimit(opts.maxMessageBytes);
  validateQos(opts.qos);
  if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(opts.url)) {
    throw new TransportError(`broker url ${JSON.stringify(opts.url)} is not an MQTT url`, 'use e.g. mqtt://gateway.local:1883');
  }
}

/**
 * mqtt.js retries a refused TCP connection silently forever; a caller starting up wants
 * a clear error instead, so the first connection gets a deadline.
 */
function connectOnce(url: string, opts: IClientOptions, timeoutMs: number, device: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connectMqtt(url, opts);
    let lastError: unknown;
    const timer = setTimeout(() => {
      cleanup();
      client.end(true);
      reject(
        new TransportError(
          `could not connect to the MQTT broker at ${url} within ${timeoutMs} ms${lastError ? ` (${errorMessage(lastError)})` : ''}`,
          'check that the gateway (or broker) is running and reachable at that url, and that the credentials are right',
          { cause: lastError },
        ),
      );
    }, timeoutMs);
    const onConnect = (): void => {
      cleanup();
      resolve(client);
    };
    const onError = (err: Error): void => {
      lastError = err;
      // Refused credentials will not get better by retrying.
      if ('code' in err && typeof err.code === 'number') {
        cleanup();
        client.end(true);
        reject(connackRefusal(url, opts.clientId ?? '', device, err));
      }
      // Neither will a server certificate this client does not trust.
      if ('code' in err && typeof err.code === 'string' && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED|ERR_TLS/.test(err.code)) {
        cleanup();
        client.end(true);
        reject(new TransportError(`the TLS certificate of ${url} is not trusted: ${err.message} (${err.code})`,
          'give the client the CA that signed the gateway\'s certificate (agent config tls.ca), and connect by a name or address the certificate lists', { cause: err }));
      }
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      client.off('error', onError);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}
