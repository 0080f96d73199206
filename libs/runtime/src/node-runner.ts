import { errorMessage, type Log } from '@edgefl/core';
import type { NodeId, NodeMachine, Outbound } from '@edgefl/algorithms';
import type { Port } from './port.js';
import { allFinite, type NodeHealth } from './health.js';

export type { Port } from './port.js';

export interface RunNodeOptions {
  readonly rounds: number;
  /** the round to start at (default 1): a node joining a running job starts where it is */
  readonly firstRound?: number;
  readonly phases: number;
  /**
   * How long a server waits for the messages of one phase before acting on what arrived
   * (`transport.roundTimeoutMs`). Other roles wait twice as long: what a worker waits for is
   * sent after the server's own wait, which a missing device stretches to the full timeout;
   * with equal deadlines a healthy worker gave up a few ms before every broadcast and never
   * took part again.
   */
  readonly phaseTimeoutMs: number;
  readonly log: Log;
  /** called as each round starts, before the node acts in it */
  readonly onRoundStart?: (round: number) => void;
  /** called after the node's last phase of each round, with its model (a view: copy it) and the figures it measured */
  readonly onRoundEnd?: (round: number, model: Float32Array, metrics?: Readonly<Record<string, number>>) => void;
  /** stops the node: a wait for messages ends at once and nothing more is acted on or sent */
  readonly signal?: AbortSignal;
  /**
   * Handed, as the node starts, a function that sends `to` again what this node already sent
   * it in the current round (a device that restarted mid-round lost the server's broadcast).
   */
  readonly onResender?: (resend: (to: NodeId) => void) => void;
  /** where the node reports what it took, skipped and whether its model diverged (the run's health) */
  readonly health?: NodeHealth;
}

/**
 * The one loop that runs a node under any driver: for every round and phase, wait for the
 * messages the node expects, let it act, send what it returns.
 */
export async function runNode(node: NodeMachine, port: Port, o: RunNodeOptions): Promise<void> {
  const log = o.log.child({ node: node.spec.id });
  const waitMs = node.spec.role === 'server' ? o.phaseTimeoutMs : 2 * o.phaseTimeoutMs;
  // A worker answers a repeated server message again with what it sent after it: the server
  // restarted from its checkpoint and lost the answers (the worker's state moved on; the
  // answer is the same bytes, which the server counts once).
  const sent = new Map<number, { out: Outbound; phase: number }[]>();
  if (node.spec.role === 'worker') {
    port.mailbox.onRepeat = (m) => {
      const answers = (sent.get(m.round) ?? []).filter((s) => s.phase > m.phase && s.out.to.includes(m.from));
      if (answers.length === 0 || o.signal?.aborted) return;
      log.info({ round: m.round, phase: m.phase, from: m.from }, 'repeated message; sending the answer again');
      for (const s of answers) {
        port.send(s.out, m.round, s.phase).catch((e: unknown) => log.warn({ round: m.round, reason: errorMessage(e) }, 'could not send the answer again'));
      }
    };
  }
  let current = 0;
  o.onResender?.((to) => {
    const again = (sent.get(current) ?? []).filter((s) => s.out.to.includes(to));
    if (again.length === 0 || o.signal?.aborted) return;
    log.info({ round: current, to }, 'sending this round\'s messages again to a restarted node');
    for (const s of again) port.send(s.out, current, s.phase).catch((e: unknown) => log.warn({ round: current, to, reason: errorMessage(e) }, 'could not send again'));
  });
  try {
    await runRounds(node, port, o, log, waitMs, sent, (r) => (current = r));
  } finally {
    port.mailbox.onRepeat = null;
  }
}

async function runRounds(node: NodeMachine, port: Port, o: RunNodeOptions, log: Log, waitMs: number, sent: Map<number, { out: Outbound; phase: number }[]>, at: (round: number) => void): Promise<void> {
  const health = o.health;
  // Every message is checked whole before it claims its sender's slot (NodeMachine.admit).
  if (node.admit) port.mailbox.setAdmission((m) => node.admit!(m));
  health?.watch(port.mailbox);
  let divergedAt = 0;
  if ((o.firstRound ?? 1) > 1) port.mailbox.resumeAt(o.firstRound!);
  // How far ahead of this node the job may legitimately be. A worker hears only the server,
  // the job's clock, so a message of a later round means it fell behind. A peer's neighbour
  // that already has this node's message moves on to the next round while this node still
  // waits for another neighbour: one round ahead is gossip, not a sign of falling behind.
  const slack = node.spec.role === 'peer' ? 1 : 0;
  const behind = (round: number, frontier: number): boolean => node.spec.role !== 'server' && frontier > round + slack;
  rounds: for (let round = o.firstRound ?? 1; round <= o.rounds; round++) {
    // a stopped node starts no further round (a server's round start moves the job's clock)
    if (o.signal?.aborted) return;
    // A device that fell behind (stopped, slow, restarted) jumps to where the job is instead
    // of answering rounds that are over; its machine sees the gap (peers ask for keyframes).
    // The server is the job's clock and never jumps.
    const frontier = Math.min(port.mailbox.frontier(), o.rounds);
    if (behind(round, frontier)) {
      log.warn({ round, to: frontier }, 'behind the job; jumping to its current round');
      round = frontier;
    }
    port.mailbox.advance(round);
    at(round);
    o.onRoundStart?.(round);
    for (let phase = 0; phase < o.phases; phase++) {
      const keys = node.expects(round, phase);
      if (keys === null) continue;
      // Checked only before a phase the node takes part in: a node stopped once its round's
      // last send is out (a worker hears the job is done while its update's PUBACK is on the
      // way) has done that round, and ends it below like any other.
      if (o.signal?.aborted) return;
      const inbox = await port.mailbox.take(keys, waitMs, o.signal);
      if (o.signal?.aborted) return;
      // Woken by messages of a later round (it was stopped, or its link was down): what it
      // would answer now is over; go where the job is.
      const ahead = Math.min(port.mailbox.frontier(), o.rounds);
      if (behind(round, ahead)) {
        log.warn({ round, phase, to: ahead }, 'behind the job; jumping to its current round');
        round = ahead - 1;
        continue rounds;
      }
      if (inbox.length < keys.length) {
        const got = new Set(inbox.map((m) => m.from));
        log.warn({ round, phase, missing: keys.filter((k) => !got.has(k.from)).map((k) => k.from) }, 'acting without late messages');
      }
      health?.taken(round, inbox.map((m) => m.from), keys.length - inbox.length);
      // A node never dies of a message: whatever acting on this round throws (a bad
      // broadcast, a learner failure) skips the round; the next one starts afresh.
      let outs: readonly Outbound[];
      try {
        outs = await node.act(round, phase, inbox);
      } catch (e) {
        log.error({ round, phase, reason: errorMessage(e) }, 'acting on the round failed; skipping it');
        health?.actFailed(round, phase);
        continue;
      }
      // A non-finite model is never propagated: nothing is sent from it. A server's model is
      // the job's, so the job ends there (reported in its health); a worker or peer waits for
      // a model to recover from (the next broadcast).
      if (!allFinite(node.model())) {
        if (divergedAt === 0) log.error({ round, phase }, 'model diverged (non-finite values); sending nothing from it');
        divergedAt = round;
        health?.diverged(round);
        if (node.spec.role === 'server') return;
        continue;
      }
      for (const out of outs) {
        if (o.signal?.aborted) return;
        if (node.spec.role !== 'peer') {
          let mine = sent.get(round);
          if (!mine) sent.set(round, (mine = []));
          mine.push({ out, phase });
          for (const r of sent.keys()) if (r < round - 1) sent.delete(r);
        }
        try {
          await port.send(out, round, phase);
        } catch (e) {
          log.error({ round, phase, to: out.to, reason: errorMessage(e) }, 'send failed');
        }
      }
    }
    let metrics: Readonly<Record<string, number>> | undefined;
    try {
      metrics = node.metrics?.();
    } catch (e) {
      log.warn({ round, reason: errorMessage(e) }, 'node figures unavailable this round');
    }
    health?.roundEnd(round, metrics);
    o.onRoundEnd?.(round, node.model(), metrics);
  }
}
