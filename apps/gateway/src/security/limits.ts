import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import type { Log } from '@edgefl/core';

/**
 * A Log whose warn and error lines are rate-limited per kind of message (the text before
 * its first ':', so `publish refused: <client> … <topic>` lines count together): at most
 * `burst` lines per `windowMs`; the next line let through after a quiet spell carries how
 * many were suppressed. 2 000 idle sockets make a handful of lines, not 2 000.
 */
export class RateLimitedLog implements Log {
  private readonly seen: Map<string, { start: number; count: number; suppressed: number }>;

  constructor(
    private readonly inner: Log,
    private readonly burst = 5,
    private readonly windowMs = 10_000,
    shared?: Map<string, { start: number; count: number; suppressed: number }>,
  ) {
    this.seen = shared ?? new Map();
  }

  debug(obj: object, msg?: string): void {
    this.inner.debug(obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.inner.info(obj, msg);
  }
  warn(obj: object, msg = ''): void {
    this.limited('warn', obj, msg);
  }
  error(obj: object, msg = ''): void {
    this.limited('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): Log {
    return new RateLimitedLog(this.inner.child(bindings), this.burst, this.windowMs, this.seen);
  }

  private limited(level: 'warn' | 'error', obj: object, msg: string): void {
    const now = Date.now();
    const colon = msg.indexOf(':');
    const key = colon > 0 ? msg.slice(0, colon) : msg;
    let s = this.seen.get(key);
    if (s === undefined || now - s.start >= this.windowMs) {
      const suppressed = s?.suppressed ?? 0;
      if (this.seen.size > 1000) this.seen.clear();
      s = { start: now, count: 0, suppressed: 0 };
      this.seen.set(key, s);
      if (suppressed > 0) obj = { ...obj, suppressed };
    }
    if (s.count < this.burst) {
      s.count++;
      this.inner[level](obj, s.count === this.burst ? `${msg} (further lines like this are suppressed for ${this.windowMs / 1000} s)` : msg);
    } else {
      s.suppressed++;
    }
  }
}

export interface ConnectionLimits {
  /** open connections over all listeners (default 1 000) */
  readonly maxConnections: number;
  /** new connections per second from one source address (default 20), with bursts of `connectBurst` */
  readonly connectRatePerSec: number;
  readonly connectBurst: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { maxConnections: 1000, connectRatePerSec: 20, connectBurst: 40 };

/**
 * Admits sockets before a byte is read (and before a TLS handshake): a cap on open
 * connections and a token bucket per source address. Refusals are logged rate-limited.
 */
export class ConnectionLimiter {
  private open = 0;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  refused = 0;
  /** most connections open at once */
  peak = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly log: Log,
  ) {}

  get connections(): number {
    return this.open;
  }

  /** null = admitted (and counted until the socket closes); else the reason it was refused. */
  admit(socket: Socket): string | null {
    const source = socket.remoteAddress ?? '?';
    let why: string | null = null;
    if (this.open >= this.limits.maxConnections) {
      why = `the gateway has ${this.open} connections, its limit (limits.maxConnections)`;
    } else if (!this.take(source)) {
      why = `more than ${this.limits.connectRatePerSec} connections per second from ${source} (limits.connectRatePerSec)`;
    }
    if (why !== null) {
      this.refused++;
      this.log.warn({ source, maxConnections: this.limits.maxConnections }, `connection refused: ${why.replace(/ from \S+/, ' from one source')}`);
      return why;
    }
    this.open++;
    this.peak = Math.max(this.peak, this.open);
    socket.once('close', () => this.open--);
    return null;
  }

  private take(source: string): boolean {
    const now = Date.now();
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= 10_000) this.prune(now);
      b = { tokens: this.limits.connectBurst, at: now };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(this.limits.connectBurst, b.tokens + ((now - b.at) / 1000) * this.limits.connectRatePerSec);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    if (this.buckets.size >= 10_000) this.buckets.clear();
  }
}

/** Is `host` a loopback address (or a name that resolves only there)? */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}
