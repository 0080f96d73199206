import type { Shaper } from '../shaper.js';
import type { LinkId } from '../topics.js';

/** Time source of a shaper; tests pass a virtual one. */
export interface ShaperClock {
  /** milliseconds, monotonic */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ShaperClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What a shaper did to one link. */
export interface ShapedLink {
  readonly from: string;
  readonly to: string;
  readonly bitsPerSec: number;
  /** packets admitted */
  packets: number;
  /** wire bytes admitted */
  bytes: number;
  /** packets that had to wait for tokens */
  delayed: number;
  /** total time packets waited, ms */
  delayMs: number;
}

export interface TokenBucketOptions {
  /** the wire rate of a link in bits/s, or null for no limit; may change (e.g. once a job is known) */
  readonly rateOf: (link: LinkId) => number | null;
  /** bucket depth as time at the full rate (default 50 ms): the burst a link may send at once */
  readonly burstMs?: number;
  readonly clock?: ShaperClock;
}

interface Bucket {
  tokens: number;
  last: number;
  readonly link: ShapedLink;
}

/**
 * Token-bucket rate limiting per link (RFC 2697's single-rate bucket, without marking):
 * tokens (bits) refill at the link's rate up to `burstMs` worth; a packet takes its wire
 * bits and, when that leaves the bucket in debt, waits until the debt is paid. Packets
 * are delayed, never dropped; concurrent packets queue behind each other's debt, so the
 * long-run rate of a link never exceeds its budget by more than one burst.
 */
export class TokenBucketShaper implements Shaper {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: ShaperClock;
  private readonly burstMs: number;
  private rateOf: (link: LinkId) => number | null;

  constructor(o: TokenBucketOptions) {
    this.rateOf = o.rateOf;
    this.clock = o.clock ?? realClock;
    this.burstMs = o.burstMs ?? 50;
  }

  /** Replaces the rate function (an agent learns its budgets from the job announcement). */
  setRates(rateOf: (link: LinkId) => number | null): void {
    this.rateOf = rateOf;
    this.buckets.clear();
  }

  admit(link: LinkId, wireBytes: number): Promise<void> | void {
    const rate = this.rateOf(link);
    if (rate === null || !(rate > 0)) return;
    const b = this.bucket(link, rate);
    const now = this.clock.now();
    const capacity = (rate * this.burstMs) / 1000;
    b.tokens = Math.min(capacity, b.tokens + ((now - b.last) * rate) / 1000);
    b.last = now;
    b.tokens -= wireBytes * 8;
    b.link.packets++;
    b.link.bytes += wireBytes;
    if (b.tokens >= 0) return;
    const waitMs = (-b.tokens / rate) * 1000;
    b.link.delayed++;
    b.link.delayMs += waitMs;
    return this.clock.sleep(waitMs);
  }

  /** Per-link statistics, sorted by (from, to). */
  snapshot(): ShapedLink[] {
    return [...this.buckets.values()].map((b) => ({ ...b.link })).sort((a, b) => (a.from + '\0' + a.to < b.from + '\0' + b.to ? -1 : 1));
  }

  private bucket(link: LinkId, rate: number): Bucket {
    const key = `${link.from}/${link.to}`;
    let b = this.buckets.get(key);
    if (b === undefined || b.link.bitsPerSec !== rate) {
      // A new link starts with a full bucket.
      b = { tokens: (rate * this.burstMs) / 1000, last: this.clock.now(), link: { from: link.from, to: link.to, bitsPerSec: rate, packets: 0, bytes: 0, delayed: 0, delayMs: 0 } };
      this.buckets.set(key, b);
    }
    return b;
  }
}

/** A shaper for the links of `budgets`: each link's `bitsPerSec`. */
export function budgetShaper(rateOf: (link: LinkId) => number | null, o: Omit<TokenBucketOptions, 'rateOf'> = {}): TokenBucketShaper {
  return new TokenBucketShaper({ ...o, rateOf });
}
