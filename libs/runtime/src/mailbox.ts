import { LogThrottle, errorMessage, type Log } from '@edgefl/core';
import type { Inbound, MessageKey, NodeId, Refusal, RefusalReason } from '@edgefl/algorithms';

const keyOf = (k: MessageKey): string => `${k.from}\u0000${k.round}\u0000${k.phase}`;

export type PutResult = 'accepted' | 'duplicate' | 'stale' | 'too-far-ahead' | 'refused' | 'late';

/** Checks a message whole before it is held (`NodeMachine.admit`); null admits it. */
export type Admission = (m: Inbound) => Refusal | null;

/**
 * Buffers a node's inbound messages by (sender, round, phase) until the node asks for
 * them. The first copy of a key wins: MQTT QoS 1 delivers at least once, so repeats are
 * dropped here. Messages for rounds already finished are stale; messages more than
 * `maxRoundsAhead` rounds in the future are refused, which bounds memory against a
 * misbehaving sender.
 *
 * A sender acts phase after phase, so once a message it sent in a later (round, phase)
 * has arrived, an earlier one still missing will not come (it was lost, or sent before this
 * node listened, e.g. while it restarted): the wait for it ends at once instead of at the
 * deadline. That is what lets a node that joins a running job catch up within a round.
 *
 * A node that fell behind (stopped past its keepalive, slow, restarted) learns how far
 * the job is from `frontier()`: of messages too far ahead it keeps only each sender's
 * newest round (bounded), so a node that jumps there finds them.
 */
export class Mailbox {
  private readonly held = new Map<string, Inbound>();
  private readonly consumed = new Set<string>();
  /** keys whose wait ended without their message (it may still come, late) */
  private readonly missed = new Set<string>();
  /** the keys a take() waits for, and the same keys by sender (a put can only supersede its own sender's) */
  private waiter: { keys: Map<string, MessageKey>; bySender: Map<NodeId, string[]>; wake: () => void } | null = null;
  private round = 1;
  /** the latest (round, phase) each sender has reached, from accepted messages */
  private readonly newest = new Map<string, { round: number; phase: number }>();
  /** per sender, its messages of its newest round beyond the window */
  private readonly ahead = new Map<string, Inbound[]>();
  private frontierRound = 0;
  /** rounds below it were before this node (re)started: see resumeAt */
  private floor = 1;
  /**
   * Called with a repeat of a message the node already acted on: its sender lost what came
   * back (a gateway restarted from its checkpoint sends that round's broadcast again).
   */
  onRepeat: ((m: Inbound) => void) | null = null;

  private admission: Admission | undefined;
  private readonly refusals = new Map<RefusalReason, number>();
  private readonly throttle = new LogThrottle();

  constructor(private readonly log: Log, private readonly maxRoundsAhead = 2) {}

  /**
   * Installs the node's whole-message check. A message is checked after the cheap drops
   * (stale, too far ahead, a key already held) and before it is held, so a refused copy
   * never takes its sender's slot: the sender's genuine message still counts.
   */
  setAdmission(admission: Admission | undefined): void {
    this.admission = admission;
  }

  /**
   * The node resumed at `round` (from a checkpoint, or joining a running job): what belongs
   * to earlier rounds was acted on before (a broker replaying a persistent session's
   * unacknowledged messages) or is of no use now, so it counts as a repeat, never a new message.
   */
  resumeAt(round: number): void {
    this.floor = round;
    for (const [k, m] of this.held) if (m.round < round) this.held.delete(k);
  }

  put(m: Inbound): PutResult {
    const k = keyOf(m);
    if (m.round < this.floor) return 'duplicate';
    if (m.round < this.round - 1) return this.drop(m, 'stale');
    if (m.round > this.round + this.maxRoundsAhead) {
      const kept = this.ahead.get(m.from);
      if (!kept || kept[0]!.round < m.round) this.ahead.set(m.from, [m]);
      else if (kept[0]!.round === m.round && !kept.some((x) => x.phase === m.phase)) kept.push(m);
      this.frontierRound = Math.max(this.frontierRound, m.round);
      return this.drop(m, 'too-far-ahead');
    }
    if (this.consumed.has(k)) {
      this.onRepeat?.(m);
      return 'duplicate';
    }
    if (this.missed.delete(k)) {
      // The first copy of a message whose wait ended without it: it arrived (and is counted)
      // but too late to be used; a further copy of it is a repeat.
      this.consumed.add(k);
      return this.drop(m, 'late');
    }
    if (this.held.has(k)) return 'duplicate';
    if (this.admission) {
      let refusal: Refusal | null;
      try {
        refusal = this.admission(m);
      } catch (e) {
        refusal = { reason: 'admission-error', detail: errorMessage(e) };
      }
      if (refusal) {
        this.refuse(refusal, { from: m.from, round: m.round, phase: m.phase });
        return 'refused';
      }
    }
    this.held.set(k, m);
    this.frontierRound = Math.max(this.frontierRound, m.round);
    const seen = this.newest.get(m.from);
    if (!seen || later(m, seen)) this.newest.set(m.from, { round: m.round, phase: m.phase });
    if (this.waiter) {
      const keys = this.waiter.keys;
      keys.delete(k);
      // Only m's sender moved on: scanning every awaited key here made a server's round
      // O(devices²) (1,000 updates × 1,000 keys).
      for (const wk of this.waiter.bySender.get(m.from) ?? []) {
        const want = keys.get(wk);
        if (want !== undefined && this.superseded(want)) keys.delete(wk);
      }
      if (keys.size === 0) this.waiter.wake();
    }
    return 'accepted';
  }

  /**
   * Resolves with the messages for `keys`, in the order of `keys`, once all have arrived
   * or `deadlineMs` has passed, or `signal` aborts (then with those that did arrive).
   */
  async take(keys: readonly MessageKey[], deadlineMs: number, signal?: AbortSignal): Promise<Inbound[]> {
    const missing = new Map(keys.filter((k) => !this.held.has(keyOf(k)) && !this.superseded(k)).map((k) => [keyOf(k), k]));
    if (missing.size > 0 && signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        // Not unref'd: a node waiting for its peers is work in progress and keeps the process
        // alive; a stopping node aborts instead, so its process can exit at once.
        const timer = setTimeout(done, deadlineMs);
        signal?.addEventListener('abort', done, { once: true });
        function done(): void {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        const bySender = new Map<NodeId, string[]>();
        for (const [wk, want] of missing) {
          const list = bySender.get(want.from);
          if (list) list.push(wk);
          else bySender.set(want.from, [wk]);
        }
        this.waiter = { keys: missing, bySender, wake: done };
      });
      this.waiter = null;
    }
    const out: Inbound[] = [];
    for (const key of keys) {
      const k = keyOf(key);
      const m = this.held.get(k);
      if (m) {
        out.push(m);
        this.consumed.add(k);
      } else {
        this.missed.add(k);
      }
      this.held.delete(k);
    }
    return out;
  }

  /** The newest round any sender has sent in (0 before any message): where the job is. */
  frontier(): number {
    return this.frontierRound;
  }

  /**
   * Counts and logs (rate-limited per reason) a message refused before it was held — by the
   * admission check, or by the driver when its envelope did not parse.
   */
  refuse(r: Refusal, where: Readonly<Record<string, unknown>> = {}): void {
    this.refusals.set(r.reason, (this.refusals.get(r.reason) ?? 0) + 1);
    this.throttle.log(this.log, 'warn', r.reason, { ...where, reason: r.reason, detail: r.detail }, 'message refused');
  }

  /** Messages refused so far, by reason. */
  refusalCounts(): ReadonlyMap<RefusalReason, number> {
    return this.refusals;
  }

  /** The node moved to `round`: forget what belongs to rounds before the previous one. */
  advance(round: number): void {
    this.round = round;
    for (const [from, ms] of this.ahead) {
      if (ms[0]!.round > round + this.maxRoundsAhead) continue;
      this.ahead.delete(from);
      if (ms[0]!.round >= round - 1) for (const m of ms) this.put(m);
    }
    for (const [k, m] of this.held) if (m.round < round - 1) this.held.delete(k);
    for (const k of this.consumed) if (Number(k.split('\u0000')[1]) < round - 1) this.consumed.delete(k);
    for (const k of this.missed) if (Number(k.split('\u0000')[1]) < round - 1) this.missed.delete(k);
  }

  /** The sender of `k` has already sent something from a later (round, phase). */
  private superseded(k: MessageKey): boolean {
    const seen = this.newest.get(k.from);
    return seen !== undefined && later(seen, k);
  }

  private drop(m: Inbound, why: PutResult): PutResult {
    this.log.debug({ from: m.from, round: m.round, phase: m.phase, at: this.round, why }, 'message dropped');
    return why;
  }
}

function later(a: { round: number; phase: number }, b: { round: number; phase: number }): boolean {
  return a.round > b.round || (a.round === b.round && a.phase > b.phase);
}
