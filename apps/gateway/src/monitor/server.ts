import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { EdgeflError, errorMessage, nullLog, type Log } from '@edgefl/core';
import type { Registry } from 'prom-client';
import type { LinksSnapshot } from './link-monitor.js';

export interface MonitorServerOptions {
  readonly host: string;
  /** 0 picks a free port */
  readonly port: number;
  /** PEM cert and key: serve HTTPS */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** the broker's credential check, reused (HTTP Basic); absent: open */
  readonly authenticate?: (username: string, password: Buffer) => boolean | Promise<boolean>;
  readonly snapshot: () => LinksSnapshot;
  readonly metrics: Registry;
  readonly log?: Log;
}

export interface RunningMonitorServer {
  readonly port: number;
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  /** Sends the current snapshot to every live dashboard (server-sent events). */
  push(): void;
  close(): Promise<void>;
}

export class MonitorError extends EdgeflError {
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('MONITOR', message, hint, options);
  }
}

/** Live dashboards at once; more get 503, so a client cannot pin unbounded sockets. */
const MAX_STREAMS = 64;

const ASSETS = fileURLToPath(new URL('../../assets/dashboard/', import.meta.url));
const require = createRequire(import.meta.url);

/** Files the dashboard loads, all served from this package (no network). */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const m = new Map<string, { type: string; body: Buffer }>();
  const html = 'text/html; charset=utf-8';
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  m.set('/', { type: html, body: readFileSync(ASSETS + 'index.html') });
  m.set('/assets/app.js', { type: js, body: readFileSync(ASSETS + 'app.js') });
  m.set('/assets/style.css', { type: css, body: readFileSync(ASSETS + 'style.css') });
  m.set('/assets/uPlot.iife.min.js', { type: js, body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) });
  m.set('/assets/uPlot.min.css', { type: css, body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) });
  return m;
}

/**
 * The gateway's monitoring HTTP(S) server: the dashboard at `/`, Prometheus text at
 * `/metrics`, the same figures as JSON at `/api/links`, and a server-sent event stream of
 * them at `/api/events` (one `links` event per push). Read-only: GET and HEAD only.
 */
export async function startMonitorServer(o: MonitorServerOptions): Promise<RunningMonitorServer> {
  const log = o.log ?? nullLog;
  const assets = loadAssets();
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (o.authenticate && !(await authorized(req, o.authenticate, log))) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="edgefl gateway", charset="UTF-8"', 'Content-Type': 'text/plain' }).end('credentials required\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/metrics') {
      const body = await o.metrics.metrics();
      res.writeHead(200, { 'Content-Type': o.metrics.contentType, 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/api/links') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(req.method === 'HEAD' ? undefined : JSON.stringify(o.snapshot()));
      return;
    }
    if (path === '/api/events') {
      if (streams.size >= MAX_STREAMS) {
        res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '10' }).end('too many live dashboards\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`retry: 2000\nevent: links\ndata: ${JSON.stringify(o.snapshot())}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const a = assets.get(path === '/index.html' ? '/' : path);
    if (a === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': a.type, 'Content-Length': a.body.length,
      'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
    }).end(req.method === 'HEAD' ? undefined : a.body);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      log.warn({ url: req.url, err: errorMessage(e) }, 'monitor request failed');
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error\n');
    });
  };
  let server: Server;
  if (o.tls) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(o.tls.cert);
      key = readFileSync(o.tls.key);
    } catch (e) {
      throw new MonitorError(`cannot read the monitor's TLS files: ${errorMessage(e)}`, 'set monitor.tls.cert and monitor.tls.key to readable PEM files', { cause: e });
    }
    server = createHttpsServer({ cert, key }, onRequest);
  } else {
    server = createHttpServer(onRequest);
  }
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new MonitorError(
      `the monitor cannot listen on ${o.host}:${o.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`,
      'choose another monitor.port in the gateway configuration (0 picks a free one)', { cause: err },
    ));
    server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: errorMessage(err) }, 'monitor server error'));
  const port = (server.address() as AddressInfo).port;
  const url = `${o.tls ? 'https' : 'http'}://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  log.info({ url }, 'monitor listening (dashboard /, Prometheus /metrics, JSON /api/links)');
  return {
    port, url,
    push() {
      if (streams.size === 0) return;
      const msg = `event: links\ndata: ${JSON.stringify(o.snapshot())}\n\n`;
      for (const s of streams) s.write(msg);
    },
    async close() {
      for (const s of streams) s.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

async function authorized(req: IncomingMessage, check: NonNullable<MonitorServerOptions['authenticate']>, log: Log): Promise<boolean> {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Basic ') || h.length > 4096) return false;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  try {
    return (await check(decoded.slice(0, i), Buffer.from(decoded.slice(i + 1), 'utf8'))) === true;
  } catch (e) {
    log.error({ err: errorMessage(e) }, 'monitor authenticate hook failed; denying');
    return false;
  }
}
