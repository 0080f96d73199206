import { createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { errorMessage, nullLog } from '@edgefl/core';
import type { Log } from '@edgefl/core';
import { TransportError, mqttPublishPacketBytes, topicMatches, type RetainedStore } from '@edgefl/transport';
import { MAX_MESSAGE_BYTES } from '@edgefl/config';
import { BrokerCounters } from './broker-counters.js';
import { guardConnection } from './broker-guard.js';
import { refuseDuplicateClientId } from './duplicate-client-id.js';
import { retainedIndexedMemory } from './retained-lookup.js';

/**
 * Policy hooks (see security/ for the ones `edgefl gateway` installs). Each may be sync or
 * async; the default allows everything. A hook that throws denies and is logged.
 */
export interface BrokerHooks {
  /** Accept a connection from `clientId` with these credentials. */
  readonly authenticate?: (clientId: string, username: string | undefined, password: Buffer | undefined) => boolean | Promise<boolean>;
  /** May `clientId` publish on `topic`? (Called for wills too.) */
  readonly authorizePublish?: (clientId: string, topic: string, retain: boolean) => boolean | Promise<boolean>;
  /** May `clientId` subscribe to `filter`? */
  readonly authorizeSubscribe?: (clientId: string, filter: string) => boolean | Promise<boolean>;
  /** May `clientId` receive this delivery (live and retained)? Synchronous: aedes asks per delivery. */
  readonly authorizeForward?: (clientId: string, topic: string) => boolean;
  /** Admit a new socket before any byte is read (connection limits); return a reason to refuse it. */
  readonly admitConnection?: (socket: Socket) => string | null;
}

export interface BrokerOptions extends BrokerHooks {
  /** interface to listen on, e.g. `127.0.0.1` or `0.0.0.0` */
  readonly host: string;
  /** TCP port; 0 picks a free one (tests) */
  readonly port: number;
  /** largest PUBLISH payload accepted, in bytes; larger publishes are refused (the client is disconnected, as MQTT 3.1.1 has no negative ack) */
  readonly maxMessageBytes: number;
  readonly logger?: Log;
  /** close a connection that sent no CONNECT within this many ms (default 10 000) */
  readonly connectTimeoutMs?: number;
  /** shared message bus and session store (cluster/redis.ts), for several gateways serving one fleet; default: in memory */
  readonly stores?: { readonly mq: unknown; readonly persistence: unknown };
}

export interface RunningBroker {
  readonly port: number;
  /** `mqtt://host:port` to hand to clients */
  readonly url: string;
  /** bytes of PUBLISH packets the broker received from and delivered to each client id */
  readonly counters: BrokerCounters;
  /** the aedes instance, for the aggregator's in-process wiring and tests */
  readonly aedes: Aedes;
  /** Hands a connection accepted by another listener (TLS, WebSocket) to this broker, with the same guards. */
  accept(conn: Duplex, peer: string): void;
  /**
   * Makes `payload` the retained message of `topic` without delivering it to anyone now:
   * a client gets it when it subscribes, as it would a retained PUBLISH. For state that
   * only a (re)joining client reads (the job's round clock); what is stored is what a
   * publish would have stored, in this broker's persistence (shared through Redis in a cluster).
   */
  readonly storeRetained: RetainedStore;
  /** Disconnects every client and stops listening. */
  close(): Promise<void>;
}

/** Fields aedes keeps on its Client that its typings do not declare. */
interface AedesClientInternals {
  readonly subscriptions?: Record<string, { readonly qos: number }>;
  readonly will?: unknown;
}

/**
 * Starts an aedes 1.2 broker on a TCP server. Every PUBLISH is counted per client id
 * with `mqttPublishPacketBytes` (received in `authorizePublish`, delivered in
 * `authorizeForward`, which aedes calls once per subscriber delivery); a publish over
 * `maxMessageBytes` is refused with a logged reason; a packet whose header declares far
 * more is cut off before aedes buffers it (broker-guard.ts); client errors are logged and
 * never crash the broker.
 */
export async function startBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const log = opts.logger ?? nullLog;
  const counters = new BrokerCounters();
  const limit = opts.maxMessageBytes;
  if (!Number.isInteger(limit) || limit < 64 || limit > MAX_MESSAGE_BYTES) {
    throw new TransportError(
      `broker maxMessageBytes ${limit} is not a usable limit`,
      'set maxMessageBytes to a whole number of bytes between 64 and 268 000 000, e.g. 262144 (256 kB); clients must use the same value',
    );
  }

  const aedes = await Aedes.createBroker({
    // edgefl client ids are `{job}-{device}`-like and may exceed MQTT 3.1.1's 23-char minimum.
    maxClientsIdLength: 256,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    ...(opts.stores ? { mq: opts.stores.mq, persistence: opts.stores.persistence } : { persistence: retainedIndexedMemory() }),
    authenticate(client, username, password, done) {
      const duplicate = refuseDuplicateClientId(aedes, client, log);
      if (duplicate !== null) return done(duplicate, false);
      if (opts.authenticate === undefined) return done(null, true);
      decide(() => opts.authenticate!(client.id, username, password), 'authenticate', client.id, log).then((ok) => {
        if (ok) return done(null, true);
        log.warn({ clientId: client.id, username }, 'connection refused: bad username or password');
        const err = new Error('bad username or password') as AuthenticateError;
        err.returnCode = 4; // CONNACK 0x04: bad user name or password
        done(err, false);
      });
    },
    authorizePublish(client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void) {
      const clientId = client?.id ?? '';
      const isWill = client !== null && (client as Client & AedesClientInternals).will === packet;
      const bytes = mqttPublishPacketBytes(Buffer.byteLength(packet.topic), packet.payload.length, packet.qos, client?.version === 5 ? 5 : 4);
      const refuse = (reason: string): void => {
        if (!isWill) counters.addRefused(clientId, bytes);
        log.warn({ clientId, topic: packet.topic, payloadBytes: packet.payload.length, maxMessageBytes: limit }, `publish refused: ${reason}`);
        done(new Error(`publish refused: ${reason}`));
      };
      if (packet.payload.length > limit) {
        return refuse(`payload of ${packet.payload.length} bytes exceeds the broker limit of ${limit} bytes (clients must chunk to maxMessageBytes)`);
      }
      if (packet.topic.startsWith('$SYS/')) return refuse('clients may not publish under $SYS/');
      const accept = (): void => {
        // A will was never sent as a PUBLISH by the client: it came in its CONNECT.
        if (!isWill && client !== null) counters.addReceived(clientId, bytes, packet.topic, packet.payload.length);
        done(null);
      };
      if (opts.authorizePublish === undefined || client === null) return accept();
      decide(() => opts.authorizePublish!(clientId, packet.topic, packet.retain), 'authorizePublish', clientId, log).then((ok) =>
        ok ? accept() : refuse(`client ${clientId} is not authorized to publish on ${packet.topic}`),
      );
    },
    authorizeSubscribe(client: Client, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void) {
      if (opts.authorizeSubscribe === undefined) return done(null, sub);
      decide(() => opts.authorizeSubscribe!(client.id, sub.topic), 'authorizeSubscribe', client.id, log).then((ok) => {
        if (!ok) log.warn({ clientId: client.id, filter: sub.topic }, 'subscription refused: not authorized');
        // null = SUBACK 0x80 for this filter; the connection stays up.
        done(null, ok ? sub : null);
      });
    },
    authorizeForward(client: Client, packet: AedesPublishPacket) {
      if (opts.authorizeForward !== undefined && !opts.authorizeForward(client.id, packet.topic)) return null;
      const qos = deliveredQosCached(client, packet);
      counters.addDelivered(client.id, mqttPublishPacketBytes(Buffer.byteLength(packet.topic), packet.payload.length, qos, client.version === 5 ? 5 : 4), packet.topic, packet.payload.length);
      return packet;
    },
  });

  // Delivered QoS per (client, topic), forgotten whenever the client's subscriptions change:
  // working it out walks every filter of the client, once per delivery otherwise.
  const qosCache = new WeakMap<Client, readonly [Map<string, 0 | 1 | 2>, Map<string, 0 | 1 | 2>]>();
  const forget = (_subs: unknown, client: Client | null): void => void (client !== null && qosCache.delete(client));
  aedes.on('subscribe', forget);
  aedes.on('unsubscribe', forget);
  const deliveredQosCached = (client: Client, packet: AedesPublishPacket): 0 | 1 | 2 => {
    // Retained messages sent on SUBSCRIBE follow a different rule; they are rare.
    if (packet.brokerId === null || packet.qos === 0) return deliveredQos(client, packet);
    let byPublishQos = qosCache.get(client);
    if (byPublishQos === undefined) qosCache.set(client, (byPublishQos = [new Map(), new Map()]));
    const perTopic = byPublishQos[packet.qos - 1]!;
    let qos = perTopic.get(packet.topic);
    if (qos === undefined) {
      qos = deliveredQos(client, packet);
      // Topics come from clients: keep the cache bounded.
      if (perTopic.size >= 4096) perTopic.clear();
      perTopic.set(packet.topic, qos);
    }
    return qos;
  };

  aedes.on('clientError', (client, err) => {
    // aedes reports every delivery still queued for a client that has just disconnected
    // (e.g. a fleet's offline statuses to an aggregator that is closing): routine, one per message.
    if (err.message === 'connection closed') log.debug({ clientId: client.id }, 'delivery to a disconnected client dropped');
    // A peer that vanished (reset, broken pipe, dead link) is routine at fleet scale: its will and status say so.
    else if (PEER_GONE.has((err as NodeJS.ErrnoException).code ?? '')) log.debug({ clientId: client.id, err: errorMessage(err) }, 'connection lost');
    else log.warn({ clientId: client.id, err: errorMessage(err) }, 'mqtt client error; connection closed');
  });
  aedes.on('connectionError', (_client, err) => log.warn({ err: errorMessage(err) }, 'mqtt connection error before CONNECT; connection closed'));
  aedes.on('client', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));

  // Room for the rest of a PUBLISH around its payload: topic (≤ 65 535 bytes + 2), packet id, v5 properties.
  const maxPacketRemaining = limit + 65_536 + 1024;
  const sockets = new Set<Socket>();
  // Every listener (TCP here; TLS and WSS in security/) hands its connections to `accept`.
  const accept = (socket: Duplex, peer: string): void => {
    if (socket instanceof Socket) tuneSocket(socket);
    const conn = guardConnection(socket, maxPacketRemaining, (reason) => {
      log.warn({ peer, maxMessageBytes: limit }, `connection dropped before buffering: ${reason}`);
    });
    aedes.handle(conn);
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const refused = opts.admitConnection?.(socket) ?? null;
    if (refused !== null) {
      socket.destroy();
      return;
    }
    accept(socket, peer);
  });
  server.on('error', (err) => log.error({ err: errorMessage(err) }, 'broker server error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      aedes.close();
      reject(
        new TransportError(
          `the broker cannot listen on ${opts.host}:${opts.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message}`,
          err.code === 'EADDRINUSE'
            ? 'stop the other broker on that port or choose another port in the gateway configuration'
            : 'check the host is an address of this machine and the port is free and allowed (ports < 1024 need privileges)',
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    // A fleet (or `edgefl sim` with 1,000 agents) connects at once: Node's default backlog of
    // 511 pending connections would drop the rest (the kernel caps it at net.core.somaxconn).
    server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `mqtt://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  log.info({ url, maxMessageBytes: limit }, 'broker listening');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await serverClosed;
      log.info({ url }, 'broker closed');
    })();
    return closing;
  };
  const storeRetained: RetainedStore = async (topic, payload, qos) => {
    // The fields aedes stores for a retained PUBLISH (it reads back cmd, qos, topic and payload on SUBSCRIBE).
    await (aedes as unknown as { readonly persistence: RetainedPersistence }).persistence.storeRetained({
      cmd: 'publish', brokerId: aedes.id, brokerCounter: 0, topic, payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), qos, retain: true, dup: false,
    });
  };
  return { port, url, counters, aedes, accept, storeRetained, close };
}

/** The part of aedes's persistence (memory or Redis) that keeps retained messages. */
interface RetainedPersistence {
  storeRetained(packet: { cmd: 'publish'; brokerId: string; brokerCounter: number; topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: true; dup: false }): Promise<void>;
}

/** Socket errors that only mean the peer is gone. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** Pending connections a broker listener queues before accepting them. */
export const LISTEN_BACKLOG = 4096;

/**
 * Per-connection socket options, applied to every connection a broker listener accepts
 * (TCP or TLS): TCP_NODELAY, so a PUBACK or a small PUBLISH leaves at once instead of
 * waiting out Nagle + the peer's delayed ACK (~40 ms per hop). Packets leave whole because
 * mqtt-packet corks the socket around each one (broker-guard.ts).
 */
export function tuneSocket(socket: Socket): void {
  socket.setNoDelay(true);
}

/**
 * The QoS aedes 1.2 will actually write for this delivery (so the byte count is exact):
 * a subscription delivery goes through `deliver0` when the matching subscription is
 * QoS 0; otherwise the publish QoS is kept, lowered only by a subscription whose filter
 * equals the topic (lib/client.js `deliverQoS`). Retained messages sent on SUBSCRIBE
 * (brokerId null) skip the first rule. With overlapping filters of different QoS the
 * highest matching one is assumed.
 */
function deliveredQos(client: Client, packet: AedesPublishPacket): 0 | 1 | 2 {
  if (packet.qos === 0) return 0;
  const subs = (client as Client & AedesClientInternals).subscriptions ?? {};
  if (packet.brokerId !== null) {
    let best = -1;
    for (const filter of Object.keys(subs)) {
      if (topicMatches(filter, packet.topic)) best = Math.max(best, subs[filter]!.qos);
    }
    if (best === 0) return 0;
  }
  const exact = subs[packet.topic];
  const qos = exact !== undefined && exact.qos < packet.qos ? exact.qos : packet.qos;
  return qos as 0 | 1 | 2;
}

/** Runs a policy hook; a throw or rejection denies (and is logged) instead of crashing. */
function decide(hook: () => boolean | Promise<boolean>, name: string, clientId: string, log: Log): Promise<boolean> {
  return Promise.resolve()
    .then(hook)
    .then(
      (ok) => ok === true,
      (e: unknown) => {
        log.error({ clientId, err: errorMessage(e) }, `${name} hook failed; denying`);
        return false;
      },
    );
}
