import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { AedesPublishPacket, AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { errorMessage, nullLog } from '@edgefl/core';
import type { Log } from '@edgefl/core';
import { TransportError, mqttPublishPacketBytes, topicMatches } from '@edgefl/transport';
import { MAX_MESSAGE_BYTES } from '@edgefl/config';
import { BrokerCounters } from './broker-counters.js';
import { guardConnection } from './broker-guard.js';

/**
 * Policy hooks (DESIGN.md "Security model"; a later issue). Each may be sync or async;
 * the default allows everything. A hook that throws denies and is logged.
 */
export interface BrokerHooks {
  /** Accept a connection from `clientId` with these credentials. */
  readonly authenticate?: (clientId: string, username: string | undefined, password: Buffer | undefined) => boolean | Promise<boolean>;
  /** May `clientId` publish on `topic`? (Called for wills too.) */
  readonly authorizePublish?: (clientId: string, topic: string) => boolean | Promise<boolean>;
  /** May `clientId` subscribe to `filter`? */
  readonly authorizeSubscribe?: (clientId: string, filter: string) => boolean | Promise<boolean>;
}

export interface BrokerOptions extends BrokerHooks {
  /** interface to listen on, e.g. `127.0.0.1` or `0.0.0.0` */
  readonly host: string;
  /** TCP port; 0 picks a free one (tests) */
  readonly port: number;
  /** largest PUBLISH payload accepted, in bytes; larger publishes are refused (the client is disconnected, as MQTT 3.1.1 has no negative ack) */
  readonly maxMessageBytes: number;
  readonly logger?: Log;
}

export interface RunningBroker {
  readonly port: number;
  /** `mqtt://host:port` to hand to clients */
  readonly url: string;
  /** bytes of PUBLISH packets the broker received from and delivered to each client id */
  readonly counters: BrokerCounters;
  /** the aedes instance, for the aggregator's in-process wiring and tests */
  readonly aedes: Aedes;
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
    authenticate(client, username, password, done) {
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
      decide(() => opts.authorizePublish!(clientId, packet.topic), 'authorizePublish', clientId, log).then((ok) =>
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
      const qos = deliveredQos(client, packet);
      counters.addDelivered(client.id, mqttPublishPacketBytes(Buffer.byteLength(packet.topic), packet.payload.length, qos, client.version === 5 ? 5 : 4), packet.topic, packet.payload.length);
      return packet;
    },
  });

  aedes.on('clientError', (client, err) => log.warn({ clientId: client.id, err: errorMessage(err) }, 'mqtt client error; connection closed'));
  aedes.on('connectionError', (_client, err) => log.warn({ err: errorMessage(err) }, 'mqtt connection error before CONNECT; connection closed'));
  aedes.on('client', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));

  // Room for the rest of a PUBLISH around its payload: topic (≤ 65 535 bytes + 2), packet id, v5 properties.
  const maxPacketRemaining = limit + 65_536 + 1024;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const conn = guardConnection(socket, maxPacketRemaining, (reason) => {
      log.warn({ peer, maxMessageBytes: limit }, `connection dropped before buffering: ${reason}`);
    });
    aedes.handle(conn);
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
    server.listen(opts.port, opts.host, () => {
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
  return { port, url, counters, aedes, close };
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
