import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { Socket, type AddressInfo } from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { errorMessage, type Log } from '@edgefl/core';
import { tuneSocket, type RunningBroker } from '../broker.js';
import { SecurityError } from './errors.js';
import type { ConnectionLimiter } from './limits.js';

/** A TLS listener: certificate and key (PEM files); `ca` set = mutual TLS (clients must present a certificate it signed). */
export interface TlsListenOptions {
  readonly host: string;
  readonly port: number;
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

export interface RunningListener {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function pem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new SecurityError(`cannot read the TLS ${what} ${path}: ${(e as Error).message}`,
      `check listen.tls.${what} (make a lab CA and certificates with \`scripts/make-lab-certs.sh\`, see docs/security.md)`, { cause: e });
  }
}

function secureOptions(o: TlsListenOptions, handshakeTimeoutMs: number) {
  return {
    handshakeTimeout: handshakeTimeoutMs,
    cert: pem(o.cert, 'cert'), key: pem(o.key, 'key'),
    ...(o.ca !== undefined ? { ca: pem(o.ca, 'ca'), requestCert: true, rejectUnauthorized: true } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}

function urlOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

async function listen(server: TlsServer | ReturnType<typeof createHttpsServer>, o: TlsListenOptions, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(new SecurityError(`the ${what} listener cannot listen on ${o.host}:${o.port}: ${err.code ?? err.message}`,
        'choose a free port and an address of this machine in the gateway configuration', { cause: err }));
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Sockets are admitted (limits) before the handshake, so a flood costs no TLS work. */
function gate(server: TlsServer | ReturnType<typeof createHttpsServer>, limiter: ConnectionLimiter | undefined, open: Set<Socket>): void {
  server.on('connection', (socket: Socket) => {
    if (limiter !== undefined && limiter.admit(socket) !== null) {
      socket.destroy();
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}

function closer(server: TlsServer | ReturnType<typeof createHttpsServer>, open: Set<Socket>): () => Promise<void> {
  return () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of open) s.destroy();
    return closed;
  };
}

/** A listener of 'tlsClientError' must close the socket itself (handshake timeouts included). */
function onHandshakeError(server: TlsServer | ReturnType<typeof createHttpsServer>, log: Log): void {
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    socket.destroy();
    log.warn({ reason: errorMessage(err).slice(0, 200) }, 'TLS handshake failed; connection closed');
  });
}

/** `mqtts://` for agents: MQTT over TLS into the broker's usual guards. */
export async function startTlsListener(
  broker: RunningBroker, o: TlsListenOptions, limiter: ConnectionLimiter | undefined, log: Log, handshakeTimeoutMs = 10_000,
): Promise<RunningListener> {
  const open = new Set<Socket>();
  const server = createTlsServer(secureOptions(o, handshakeTimeoutMs), (socket: TLSSocket) => {
    broker.accept(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
  });
  gate(server, limiter, open);
  // A failed handshake (wrong CA, no client certificate, plain MQTT on the TLS port) closes that socket only.
  onHandshakeError(server, log);
  const port = await listen(server, o, 'mqtts');
  const url = urlOf('mqtts', o.host, port);
  log.info({ url, mutualTls: o.ca !== undefined }, 'TLS listener up');
  return { port, url, close: closer(server, open) };
}

/** `wss://` for browsers: MQTT over WebSocket over TLS, path `/mqtt`. */
export async function startWssListener(
  broker: RunningBroker, o: TlsListenOptions, limiter: ConnectionLimiter | undefined, log: Log, handshakeTimeoutMs = 10_000,
): Promise<RunningListener> {
  const open = new Set<Socket>();
  const server = createHttpsServer({ ...secureOptions(o, handshakeTimeoutMs), headersTimeout: handshakeTimeoutMs, requestTimeout: handshakeTimeoutMs }, (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only (path /mqtt)\n');
  });
  gate(server, limiter, open);
  onHandshakeError(server, log);
  const wss = new WebSocketServer({ server, path: '/mqtt', maxPayload: 300 * 1024 * 1024 });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    // The WebSocket stream is no net.Socket: NODELAY goes on the TLS socket under it.
    if (req.socket instanceof Socket) tuneSocket(req.socket);
    broker.accept(stream, `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`);
  });
  wss.on('error', (err) => log.warn({ reason: errorMessage(err) }, 'websocket error'));
  const port = await listen(server, o, 'wss');
  const url = `${urlOf('wss', o.host, port)}/mqtt`;
  log.info({ url, mutualTls: o.ca !== undefined }, 'WebSocket (TLS) listener up');
  const closeServer = closer(server, open);
  return {
    port, url,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer();
    },
  };
}
