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
  /**
   * The most budget time (default 1000 ms) a link that had traffic waiting may catch up on
   * after its sender was descheduled past a packet's departure time (see `admit`).
   */
  readonly catchUpMs?: number;
  readonly clock?: ShaperClock;
}

interface Bucket {
  /** theoretical arrival time (GCRA): when the tokens taken so far are paid for, ms */
  tat: number;
  /** the latest moment this link had traffic waiting in the shaper (a delayed packet's actual wake-up), ms */
  busyUntil: number;
  readonly link: ShapedLink;
}

/**
 * Token-bucket rate limiting per link (RFC 2697's single-rate bucket, without marking), kept
 * as its virtual-scheduling twin (GCRA, ITU-T I.371): `tat` is when the tokens taken so far
 * are paid for, and the bucket holds (now − tat)·rate bits, at most `burstMs` worth. A packet
 * takes its wire bits and, when that leaves the bucket in debt, waits until the debt is paid.
 * Packets are delayed, never dropped; concurrent packets queue behind each other's debt.
 *
 * Idle time earns at most one burst. But a sender that is descheduled (a loaded machine:
 * timers firing 100 ms late) loses the time between a delayed packet's due time and its
 * actual wake-up although it had traffic waiting; a plain bucket caps that time at one burst
 * too, and the link ends up measurably under its budget (−6.7 % at 1 Mbit/s on a machine
 * with load 9–13). So the time a link was backlogged past its schedule is credited back (at
 * most `catchUpMs`, and only when the sender comes back within one burst): the schedule
 * continues where it was, and the long-run rate since the link became busy stays at its
 * budget — never above it by more than one burst and one packet.
 */
export class TokenBucketShaper implements Shaper {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: ShaperClock;
  private readonly burstMs: number;
  private readonly catchUpMs: number;
  private rateOf: (link: LinkId) => number | null;

  constructor(o: TokenBucketOptions) {
    this.rateOf = o.rateOf;
    this.clock = o.clock ?? realClock;
    this.burstMs = o.burstMs ?? 50;
    this.catchUpMs = o.catchUpMs ?? 1000;
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
    // Credit: idle time up to one burst; after a short idle, also the time the link had
    // traffic waiting past its schedule (a late wake-up). A long idle forfeits the latter.
    const idle = Math.max(0, now - Math.max(b.busyUntil, b.tat));
    const late = Math.min(this.catchUpMs, Math.max(0, b.busyUntil - b.tat));
    const floor = idle > this.burstMs ? now - this.burstMs : now - idle - late;
    b.tat = Math.max(b.tat, floor) + (wireBytes * 8 * 1000) / rate;
    b.link.packets++;
    b.link.bytes += wireBytes;
    const waitMs = b.tat - now;
    if (waitMs <= 0) return;
    b.link.delayed++;
    b.link.delayMs += waitMs;
    return this.clock.sleep(waitMs).then(() => {
      // Woken (possibly late): the link had traffic waiting until now.
      b.busyUntil = Math.max(b.busyUntil, this.clock.now());
    });
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
      const now = this.clock.now();
      b = { tat: now - this.burstMs, busyUntil: -Infinity, link: { from: link.from, to: link.to, bitsPerSec: rate, packets: 0, bytes: 0, delayed: 0, delayMs: 0 } };
      this.buckets.set(key, b);
    }
    return b;
  }
}

/** A shaper for the links of `budgets`: each link's `bitsPerSec`. */
export function budgetShaper(rateOf: (link: LinkId) => number | null, o: Omit<TokenBucketOptions, 'rateOf'> = {}): TokenBucketShaper {
  return new TokenBucketShaper({ ...o, rateOf });
}
